"""What the benchmarks read from the machine: a description of it, percentiles, where the CPU
went (per process tree, from /proc) and how much memory a process tree holds."""

from __future__ import annotations

import math
import os
import platform
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def machine() -> str:
    model = "unknown"
    cpuinfo = PROC / "cpuinfo"
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"machine: nproc {len(os.sched_getaffinity(0))}, CPU {model}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def load_average() -> str:
    """The 1/5/15-minute load averages, as /proc/loadavg gives them."""
    try:
        return " ".join((PROC / "loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# --- CPU per process tree ------------------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    name: str
    ppid: int
    own: int  # user + system, all threads
    reaped: int  # user + system of the children it waited for (cutime + cstime)


@dataclass(frozen=True)
class CpuSpent:
    """Core-seconds per group (the named roots, other, irq, steal, idle) and the processes
    outside those groups that used most, by name."""

    groups: dict[str, float]
    others: list[tuple[str, float]]


@dataclass(frozen=True)
class CpuSample:
    busy: int  # machine-wide ticks, all cores, in processes (user + system)
    idle: int  # idle + iowait
    irq: int  # interrupts and softirqs (loopback TCP runs much of its work there)
    steal: int  # time the hypervisor gave this VM's CPUs to someone else
    procs: dict[int, Proc]


def _read_proc(stat: Path) -> Proc | None:
    try:
        text = stat.read_text()
    except OSError:  # the process exited meanwhile
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    rest = text[text.rindex(")") + 2 :].split()
    return Proc(name, int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]))


def cpu_sample() -> CpuSample:
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    procs = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (proc := _read_proc(entry / "stat")) is not None:
            procs[int(entry.name)] = proc
    return CpuSample(user + nice + system, idle + iowait, irq + softirq, steal, procs)


def _owner(pid: int, procs: dict[int, Proc], roots: dict[int, str]) -> str:
    for _ in range(64):  # bounded walk up the parent chain
        if pid in roots:
            return roots[pid]
        proc = procs.get(pid)
        if proc is None or proc.ppid <= 1:
            return "other"
        pid = proc.ppid
    return "other"


def cpu_by_group(before: CpuSample, after: CpuSample, roots: dict[int, str]) -> CpuSpent:
    """CPU spent between two samples, per named process tree. Children that come and go
    (PostgreSQL's backends, RQ's work-horses) count through their parent's reaped time, less
    what they had spent before the first sample. "other" is the machine's process time not
    spent by the named trees: other processes, and named ones that exited unreaped."""
    groups: Counter[str] = Counter()
    others: Counter[str] = Counter()
    for pid, proc in after.procs.items():
        earlier = before.procs.get(pid)
        own = proc.own - (earlier.own if earlier else 0)
        reaped = proc.reaped - (earlier.reaped if earlier else 0)
        owner = _owner(pid, after.procs, roots)
        groups[owner] += max(0, own) + max(0, reaped)
        if owner == "other":
            others[proc.name] += max(0, own)
    for pid, proc in before.procs.items():
        if pid not in after.procs:  # exited: its parent's reaped time holds its whole life
            groups[_owner(pid, before.procs, roots)] -= proc.own + proc.reaped
    named = sum(max(0, v) for k, v in groups.items() if k != "other")
    result = {k: max(0, v) * TICK_S for k, v in groups.items() if k != "other"}
    result["other"] = max(0, after.busy - before.busy - named) * TICK_S
    result["idle"] = (after.idle - before.idle) * TICK_S
    result["irq"] = (after.irq - before.irq) * TICK_S
    result["steal"] = (after.steal - before.steal) * TICK_S
    top = [(name, ticks * TICK_S) for name, ticks in others.most_common(3) if ticks]
    return CpuSpent(result, top)


def other_share(spent: CpuSpent) -> float:
    """The share of the machine's time that processes outside the named trees took."""
    return spent.groups.get("other", 0.0) / max(sum(spent.groups.values()), 1e-9)


# --- memory per process tree ---------------------------------------------------------------


@dataclass(frozen=True)
class Memory:
    """One process's memory in bytes: resident, its high-water mark, proportional share
    (shared pages split among their users) and unique (private pages only)."""

    rss: int
    hwm: int
    pss: int
    uss: int

    def __add__(self, other: Memory) -> Memory:
        return Memory(
            self.rss + other.rss,
            max(self.hwm, other.hwm),
            self.pss + other.pss,
            self.uss + other.uss,
        )


NO_MEMORY = Memory(0, 0, 0, 0)


def _kib_fields(path: Path, names: frozenset[str]) -> dict[str, int]:
    found = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition(":")
        if key in names:
            found[key] = int(value.split()[0]) * 1024
    return found


_STATUS = frozenset({"VmRSS", "VmHWM"})
_ROLLUP = frozenset({"Pss", "Private_Clean", "Private_Dirty"})


def memory_of(pid: int) -> Memory | None:
    """The process's memory now, or None when it is gone (or a kernel thread)."""
    try:
        status = _kib_fields(PROC / str(pid) / "status", _STATUS)
        rollup = _kib_fields(PROC / str(pid) / "smaps_rollup", _ROLLUP)
    except (OSError, ValueError, IndexError):
        return None
    if "VmRSS" not in status:
        return None
    uss = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    return Memory(status["VmRSS"], status.get("VmHWM", 0), rollup.get("Pss", 0), uss)


def children(pid: int) -> list[int]:
    """Direct children of `pid` (forked by any of its threads)."""
    found: list[int] = []
    try:
        for task in (PROC / str(pid) / "task").iterdir():
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue  # the thread exited meanwhile
    except OSError:
        return []
    return found


def descendants(pid: int) -> Iterator[int]:
    """`pid`'s children, their children, and so on (bounded depth)."""
    level = children(pid)
    for _ in range(16):
        if not level:
            return
        yield from level
        level = [grandchild for child in level for grandchild in children(child)]


PF_FORKNOEXEC = 0x40  # the kernel's flag: forked, and has not exec'd since


def forked_not_exec(pid: int) -> bool:
    """Whether the process is a fork that has not exec'd (yet). Such a child of a work-horse
    is a subprocess being started: with vfork it shares its parent's address space, so its
    pages would be counted twice; with fork they are its parent's, shared until written."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return bool(int(text[text.rindex(")") + 2 :].split()[6]) & PF_FORKNOEXEC)


def tree_memory(pid: int) -> Memory:
    """The summed memory of `pid` and every descendant (hwm: the largest single one)."""
    total = memory_of(pid) or NO_MEMORY
    for child in descendants(pid):
        total = total + (memory_of(child) or NO_MEMORY)
    return total


def available_memory() -> int:
    """MemAvailable from /proc/meminfo, in bytes."""
    return _kib_fields(PROC / "meminfo", frozenset({"MemAvailable"})).get("MemAvailable", 0)
