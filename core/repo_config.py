"""A repository's `.github/morningai.yml`: parsed against a declarative schema — pure."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

CONFIG_PATH = ".github/morningai.yml"
MAX_CONFIG_BYTES = 64 * 1024
# A flat config nests two levels; the cap keeps PyYAML's recursive composer far from the
# interpreter's recursion limit on a hostile `[[[[…` file.
_MAX_DEPTH = 8
_ALLOWED_TAGS = (None, "!", "tag:yaml.org,2002:str")


@dataclass(frozen=True)
class FaqConfig:
    auto_update: bool = False


@dataclass(frozen=True)
class CiConfig:
    """Failing checks of MorningAI's pull requests: at most this many fix tasks push to one."""

    max_fix_rounds: int = 2


@dataclass(frozen=True)
class ExploreConfig:
    """The code agent's look around the repository before it plans: at most `max_steps` model
    calls with tools (0: none), within `budget_percent` of the task's token budget."""

    max_steps: int = 12
    budget_percent: int = 30


@dataclass(frozen=True)
class ReproduceConfig:
    """A test that shows the issue, written and run before the fix (when a test command is
    configured or detected); `keep`: commit it with the fix when it failed before and passes
    after (else it is only reported in the pull request)."""

    enabled: bool = True
    keep: bool = False


@dataclass(frozen=True)
class BudgetConfig:
    """The installation's monthly budget: set in the organisation's `.github` repository only
    (core.org_config); None: no limit of that kind."""

    monthly_usd: float | None = None
    monthly_tokens: int | None = None
    # the price of the configured model, USD per million tokens (None: the built-in table)
    input_usd_per_million: float | None = None
    output_usd_per_million: float | None = None

    @property
    def limited(self) -> bool:
        return self.monthly_usd is not None or self.monthly_tokens is not None


@dataclass(frozen=True)
class RepoConfig:
    trigger_label: str = "morningai"
    base_branch: str | None = None  # None: the repository's default branch
    draft: bool = False
    forbidden_paths: tuple[str, ...] = ()  # gitignore-style globs the agent must not edit
    test_command: str | None = None
    test_timeout_seconds: int = 600
    max_attempts: int = 3
    token_budget: int = 200_000  # per task
    faq: FaqConfig = FaqConfig()
    ci: CiConfig = CiConfig()
    budget: BudgetConfig = BudgetConfig()
    explore: ExploreConfig = ExploreConfig()
    reproduce: ReproduceConfig = ReproduceConfig()


@dataclass(frozen=True)
class ParsedConfig:
    """One file as written: its values over the defaults, the line of each top-level key it
    sets (what core.org_config merges), and its `_extends`."""

    config: RepoConfig
    lines: Mapping[str, int]
    extends: str | None = None


class RepoConfigError(ValueError):
    """What is wrong with the file, and where, in words for the maintainer."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        where = f"{CONFIG_PATH}, line {line}" if line is not None else CONFIG_PATH
        super().__init__(f"{where}: {problem}")
        self.problem = problem
        self.line = line


Kind = Literal["text", "flag", "count", "globs", "amount"]


@dataclass(frozen=True)
class _Field:
    kind: Kind
    nullable: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None


# The schema: one row per key. A nested mapping is a section with its own table and dataclass.
_FAQ_FIELDS: Mapping[str, _Field] = {"auto_update": _Field("flag")}
_CI_FIELDS: Mapping[str, _Field] = {"max_fix_rounds": _Field("count", minimum=0, maximum=10)}
_EXPLORE_FIELDS: Mapping[str, _Field] = {
    "max_steps": _Field("count", minimum=0, maximum=50),
    "budget_percent": _Field("count", minimum=1, maximum=100),
}
_REPRODUCE_FIELDS: Mapping[str, _Field] = {"enabled": _Field("flag"), "keep": _Field("flag")}
_BUDGET_FIELDS: Mapping[str, _Field] = {
    "monthly_usd": _Field("amount", nullable=True),
    "monthly_tokens": _Field("count", nullable=True, minimum=1),
    "input_usd_per_million": _Field("amount", nullable=True),
    "output_usd_per_million": _Field("amount", nullable=True),
}
_SECTIONS: Mapping[str, tuple[type[Any], Mapping[str, _Field]]] = {
    "faq": (FaqConfig, _FAQ_FIELDS),
    "ci": (CiConfig, _CI_FIELDS),
    "budget": (BudgetConfig, _BUDGET_FIELDS),
    "explore": (ExploreConfig, _EXPLORE_FIELDS),
    "reproduce": (ReproduceConfig, _REPRODUCE_FIELDS),
}
EXTENDS = "_extends"  # Probot's key: the file this one builds on (core.org_config)
_FIELDS: Mapping[str, _Field] = {
    "trigger_label": _Field("text", max_length=50),  # GitHub's limit on label names
    "base_branch": _Field("text", nullable=True, max_length=255),
    "draft": _Field("flag"),
    "forbidden_paths": _Field("globs"),
    "test_command": _Field("text", nullable=True, max_length=1000),
    "test_timeout_seconds": _Field("count", minimum=1, maximum=3600),
    "max_attempts": _Field("count", minimum=1, maximum=10),
    "token_budget": _Field("count", minimum=1),
    EXTENDS: _Field("text", max_length=300),
}


def parse_repo_config(text: str | None) -> RepoConfig:
    """The configuration in `text` (None or blank: the defaults), or RepoConfigError."""
    return parse_config_file(text).config


def parse_config_file(text: str | None) -> ParsedConfig:
    """`text` as written (None or blank: nothing set), or RepoConfigError."""
    if text is None or not text.strip():
        return ParsedConfig(RepoConfig(), {})
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
        raise RepoConfigError(f"the file is larger than {MAX_CONFIG_BYTES // 1024} KB")
    root = _compose(text)
    if root is None or _is_null(root):  # only comments, or an explicit `~`
        return ParsedConfig(RepoConfig(), {})
    lines: dict[str, int] = {}
    values = _read_mapping(root, _FIELDS, _SECTIONS, lines=lines)
    extends = values.pop(EXTENDS, None)
    return ParsedConfig(RepoConfig(**values), lines, extends)


def _compose(text: str) -> Node | None:
    """The document's node tree, refusing aliases and deep nesting before composing."""
    try:
        _check_events(text)
        node: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        # `context` says what was being parsed ("while parsing a flow sequence") or, for a
        # second document, what was expected; only the latter reads well before the problem.
        parts = [exc.context if exc.context and not exc.context.startswith("while") else None]
        problem = " ".join(p for p in [*parts, exc.problem] if p) or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        raise RepoConfigError(f"invalid YAML: {problem}", _line(mark)) from None
    except yaml.reader.ReaderError as exc:  # a control character: only an offset is known
        line = text.count("\n", 0, exc.position) + 1
        raise RepoConfigError(
            f"character U+{exc.character:04X} is not allowed in YAML", line
        ) from None
    return node


def _check_events(text: str) -> None:
    # Aliases let a few lines expand into millions of nodes (the "billion laughs"); a config
    # file has no use for them, so they are refused outright rather than budgeted.
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise RepoConfigError("YAML aliases (*name) are not allowed", _line(event.start_mark))
        # Explicit tags (`!!python/…`, `!!int x`, `!foo`) only invite constructor surprises;
        # `!!str` stays allowed as the documented way to force a string.
        tag = getattr(event, "tag", None)
        if tag not in _ALLOWED_TAGS:
            raise RepoConfigError(f"YAML tag '{tag}' is not allowed", _line(event.start_mark))
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_DEPTH:
                raise RepoConfigError("nested too deeply", _line(event.start_mark))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _read_mapping(
    node: Node,
    table: Mapping[str, _Field],
    sections: Mapping[str, tuple[type[Any], Mapping[str, _Field]]],
    name: str = "the file",
    lines: dict[str, int] | None = None,
) -> dict[str, Any]:
    if not isinstance(node, MappingNode):
        raise RepoConfigError(f"{name} must be a mapping of keys to values", _line(node.start_mark))
    values: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = _key(key_node, [*table, *sections])
        if key in values:
            raise RepoConfigError(f"duplicate key '{key}'", _line(key_node.start_mark))
        if lines is not None:
            lines[key] = _line(key_node.start_mark) or 0
        if key in sections:
            values[key] = _read_section(key, value_node, *sections[key])
        else:
            values[key] = _convert(key, value_node, table[key])
    return values


def _read_section(key: str, node: Node, cls: type[Any], table: Mapping[str, _Field]) -> Any:
    if _is_null(node):  # `faq:` with nothing under it means "the defaults"
        return cls()
    return cls(**_read_mapping(node, table, {}, name=f"'{key}'"))


def _key(node: Node, known: list[str]) -> str:
    line = _line(node.start_mark)
    if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        raise RepoConfigError("keys must be plain names", line)
    if node.value not in known:
        close = difflib.get_close_matches(node.value, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        raise RepoConfigError(f"unknown key '{node.value}'{hint}", line)
    return str(node.value)


def _convert(key: str, node: Node, spec: _Field) -> Any:
    if spec.nullable and _is_null(node):
        return None
    return _CONVERTERS[spec.kind](key, node, spec)


def _text(key: str, node: Node, spec: _Field) -> str:
    value = _value(key, node)
    if not isinstance(value, str):
        hint = "" if value is None or isinstance(value, list | dict) else " (put it in quotes)"
        raise RepoConfigError(
            f"'{key}' must be a string, not {_describe(value)}{hint}", _line(node.start_mark)
        )
    if not value.strip():
        raise RepoConfigError(f"'{key}' must not be empty", _line(node.start_mark))
    if spec.max_length is not None and len(value) > spec.max_length:
        raise RepoConfigError(
            f"'{key}' is longer than {spec.max_length} characters", _line(node.start_mark)
        )
    return value


def _flag(key: str, node: Node, spec: _Field) -> bool:
    value = _value(key, node)
    if not isinstance(value, bool):
        raise RepoConfigError(
            f"'{key}' must be true or false, not {_describe(value)}", _line(node.start_mark)
        )
    return value


def _count(key: str, node: Node, spec: _Field) -> int:
    value = _value(key, node)
    line = _line(node.start_mark)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RepoConfigError(f"'{key}' must be a whole number, not {_describe(value)}", line)
    if spec.minimum is not None and value < spec.minimum:
        raise RepoConfigError(f"'{key}' must be at least {spec.minimum}, not {value}", line)
    if spec.maximum is not None and value > spec.maximum:
        raise RepoConfigError(f"'{key}' must be at most {spec.maximum}, not {value}", line)
    return value


def _globs(key: str, node: Node, spec: _Field) -> tuple[str, ...]:
    if _is_null(node):
        return ()
    if not isinstance(node, SequenceNode):
        raise RepoConfigError(f"'{key}' must be a list of path patterns", _line(node.start_mark))
    item_spec = _Field("text", max_length=1000)
    return tuple(_text(f"{key}[{index}]", item, item_spec) for index, item in enumerate(node.value))


def _amount(key: str, node: Node, spec: _Field) -> float:
    value = _value(key, node)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise RepoConfigError(
            f"'{key}' must be a number, not {_describe(value)}", _line(node.start_mark)
        )
    if value < 0 or value == float("inf"):
        raise RepoConfigError(f"'{key}' must be 0 or more, not {value}", _line(node.start_mark))
    return float(value)


_CONVERTERS: Mapping[Kind, Callable[[str, Node, _Field], Any]] = {
    "text": _text,
    "flag": _flag,
    "count": _count,
    "globs": _globs,
    "amount": _amount,
}


def _value(key: str, node: Node) -> Any:
    # A list or mapping where a scalar belongs only needs describing, not building.
    if not isinstance(node, ScalarNode):
        return [] if isinstance(node, SequenceNode) else {}
    try:
        return SafeConstructor().construct_object(node, deep=True)
    except ValueError:  # implicit types that match YAML's regexes but not Python's: 2024-13-45
        problem = f"'{key}': YAML cannot read {node.value!r}; put it in quotes"
        raise RepoConfigError(problem, _line(node.start_mark)) from None


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return repr(value)
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a mapping"
    return f"a {type(value).__name__}"  # e.g. a date: `2024-01-01` unquoted


class _Mark(Protocol):
    line: int  # zero-based, in both the pure-Python and the libyaml marks


def _line(mark: _Mark | None) -> int | None:
    return mark.line + 1 if mark is not None else None
