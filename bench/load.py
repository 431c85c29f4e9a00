"""The load generator of bench/webhooks: keep-alive senders on loopback, open loop (a fixed
rate, latency from each request's scheduled send time) or closed loop (as fast as answered)."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.webhook_payloads import Prepared

HOST = "127.0.0.1"  # loopback only: the server is bound here, and nothing else is sent to
WEBHOOK_PATH = "/api/github/webhooks"
HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Result:
    due: float  # scheduled send time (closed loop: the actual start)
    taken: float  # when a sender picked the request up
    started: float
    finished: float
    error: str | None


class Sender:
    """One persistent keep-alive connection, reopened after any failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def post(self, req: Prepared) -> str | None:
        """Send `req`; None on a 2xx answer, else what went wrong."""
        conn = self.conn or http.client.HTTPConnection(HOST, self.port, timeout=HTTP_TIMEOUT_S)
        self.conn = conn
        try:
            conn.request("POST", WEBHOOK_PATH, body=req.body, headers=req.headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return type(exc).__name__
        if response.will_close:
            self.close()
        return None if 200 <= response.status < 300 else f"HTTP {response.status}"

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Ticket:
    """Hands out request indexes in order, to many threads, up to a count."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self.limit:
                return None
            self._next += 1
            return self._next - 1


def run_threads(target: Callable[[], None], count: int, timeout: float) -> int:
    """Run `count` threads of `target`; return how many were still alive after `timeout`."""
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return sum(t.is_alive() for t in threads)


def fixed_rate(
    port: int, requests: Sequence[Prepared], rate: float, senders: int
) -> tuple[float, list[Result | None]]:
    """Open loop: request i is due at t0 + i/rate whether or not earlier ones answered."""
    results: list[Result | None] = [None] * len(requests)
    ticket = Ticket(len(requests))
    t0 = time.perf_counter() + 0.5

    def work() -> None:
        sender = Sender(port)
        try:
            while (i := ticket.take()) is not None:
                due = t0 + i / rate
                taken = time.perf_counter()
                if due > taken:
                    time.sleep(due - taken)
                started = time.perf_counter()
                error = sender.post(requests[i])
                results[i] = Result(due, taken, started, time.perf_counter(), error)
        finally:
            sender.close()

    stuck = run_threads(work, senders, timeout=len(requests) / rate + 60.0)
    if stuck:
        print(f"warning: {stuck} sender thread(s) still running after the phase", flush=True)
    return t0, results


def saturation(
    port: int, requests: Sequence[Prepared], concurrency: int, duration: float
) -> tuple[float, list[Result | None]]:
    """Closed loop: each client sends its next request as soon as the last one answered."""
    results: list[Result | None] = [None] * len(requests)
    ticket = Ticket(len(requests))
    t0 = time.perf_counter()
    deadline = t0 + duration

    def work() -> None:
        sender = Sender(port)
        try:
            while time.perf_counter() < deadline and (i := ticket.take()) is not None:
                started = time.perf_counter()
                error = sender.post(requests[i])
                results[i] = Result(started, started, started, time.perf_counter(), error)
        finally:
            sender.close()

    stuck = run_threads(work, concurrency, timeout=duration + 60.0)
    if stuck:
        print(f"warning: {stuck} client thread(s) still running after the phase", flush=True)
    return t0, results
