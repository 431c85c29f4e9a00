"""What the exploration tools are called, what they do and take, as the model is told (JSON
Schema in the OpenAI function-calling style) — data only; `explore_tools` runs them."""

from __future__ import annotations

from typing import Any

from agents.ports import Tool


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_PATH = "A path relative to the repository root, '/' separated, e.g. 'src/pkg/module.py'."

TOOLS: tuple[Tool, ...] = (
    Tool(
        "list_dir",
        "List one directory of the repository: subdirectories end with '/', symlinks with '@'. "
        ".git and tooling or vendored directories (node_modules, __pycache__, …) are named "
        "apart, not listed; at most 300 entries.",
        _object({"path": {"type": "string", "description": _PATH + " Default '.', the root."}}),
    ),
    Tool(
        "open_file",
        "Show a text file's lines, numbered as 'N| text' so they can be cited. Shows at most "
        "250 lines at a time (fewer when lines are long) and says how to read on; binary and "
        "non-UTF-8 files are refused.",
        _object(
            {
                "path": {"type": "string", "description": _PATH},
                "start_line": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "First line to show, 1-based. Default 1.",
                },
                "end_line": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Last line to show, inclusive. Default start_line + 249.",
                },
            },
            ("path",),
        ),
    ),
    Tool(
        "search",
        "Find lines containing a text (default) or matching a regular expression, in every "
        "text file under a path. Answers 'path:line: text', at most 100 lines, and how many "
        "more there were. Regular expressions are POSIX extended (GNU grep -E): use [0-9] and "
        "[[:space:]], not \\d or \\s; \\w and \\b work. A search running over 5 seconds is "
        "stopped.",
        _object(
            {
                "pattern": {"type": "string", "description": "The text or expression, one line."},
                "regex": {
                    "type": "boolean",
                    "description": "true: pattern is a regular expression. Default false.",
                },
                "path": {
                    "type": "string",
                    "description": "A directory or file to search in. Default '.', everything.",
                },
            },
            ("pattern",),
        ),
    ),
    Tool(
        "find_symbol",
        "Where a name is defined (functions, classes, methods, and in Python also names "
        "assigned at module or class level) and every line that uses it as a whole word. "
        "'Class.method' narrows the definitions to that class's member.",
        _object(
            {
                "name": {
                    "type": "string",
                    "description": "An identifier, e.g. 'rank_files' or 'RepoIndex.files'.",
                }
            },
            ("name",),
        ),
    ),
    Tool(
        "repo_map",
        "The repository's files, one a line with the names each defines at top level: source "
        "first, then tests and examples, configuration, documentation. Trimmed to fit; the "
        "last line says what was left out.",
        _object({}),
    ),
)
