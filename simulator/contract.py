"""Check HTTP exchanges against GitHub's own OpenAPI description of api.github.com.

The description is OpenAPI 3.0 (`nullable`), validated here as JSON Schema 2020-12 after a
one-off translation. Both of GitHub's files work: `api.github.com.json` (with `$ref`s,
resolved through a `referencing` registry; 5x lighter to load) and the `.deref.json` twin.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]
from jsonschema.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    ValidationError,
    best_match,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from simulator.exchanges import Exchange

JSON = dict[str, Any]
SPEC_URI = "urn:github:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_MESSAGE = 240


def default_spec_path() -> Path:
    """GitHub's description as fetched by scripts/fetch_fixtures.sh (MORNINGAI_FIXTURES wins)."""
    fixtures = os.environ.get("MORNINGAI_FIXTURES")
    root = (
        Path(fixtures)
        if fixtures
        else Path(__file__).resolve().parents[1] / ".morningai" / "fixtures"
    )
    return root / "openapi" / "generated" / "api.github.com.json"


def to_json_schema(node: Any) -> Any:
    """Translate OpenAPI 3.0 `nullable: true` into JSON Schema 2020-12, recursively."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value) for key, value in node.items()}
    if out.get("nullable") is not True:
        return out
    del out["nullable"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        return out
    if "type" in out:
        return out
    return {"anyOf": [out, {"type": "null"}]}


@dataclass(frozen=True)
class Operation:
    """An operation matched by method and concrete path."""

    method: str
    template: str
    operation_id: str
    path_params: dict[str, str]
    pointer: str  # JSON pointer of the operation object in the description


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    methods: frozenset[str]


class OpenAPIContract:
    """Match requests to operations and validate bodies; validators are compiled once."""

    def __init__(self, spec_path: Path) -> None:
        with spec_path.open(encoding="utf-8") as handle:
            self.doc: JSON = to_json_schema(json.load(handle))
        resource: Resource[Any] = Resource.from_contents(
            self.doc, default_specification=DRAFT202012
        )
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self._routes = sorted(
            (self._compile(t, item) for t, item in self.doc["paths"].items()), key=_specificity
        )

    @classmethod
    def load(cls, spec_path: Path | None = None) -> OpenAPIContract:
        """A process-wide instance per description file (parsing one costs ~0.5-2 s)."""
        return _load((spec_path or default_spec_path()).resolve())

    # lookup ----------------------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follow local `$ref`s until a concrete node."""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = self._at(node["$ref"].removeprefix("#"))
        return node

    def _at(self, pointer: str) -> Any:
        node: Any = self.doc
        for part in pointer.lstrip("/").split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def _compile(self, template: str, item: JSON) -> _Route:
        multi = {
            p["name"]
            for op in [item, *(item[m] for m in METHODS if m in item)]
            for p in map(self.resolve, op.get("parameters", []))
            if p.get("in") == "path" and p.get("x-multi-segment")
        }
        names: list[str] = []

        def group(found: re.Match[str]) -> str:
            names.append(found.group(1))
            return "(.*)" if found.group(1) in multi else "([^/]+)"

        regex = re.sub(r"\\\{([^}]+)\\\}", group, re.escape(template))
        return _Route(
            template,
            re.compile(f"^{regex}/?$"),
            tuple(names),
            frozenset(m for m in METHODS if m in item),
        )

    def match(self, method: str, path: str) -> Operation | None:
        """The operation serving `method path`; literal segments win over parameters."""
        method = method.lower()
        for route in self._routes:
            found = route.pattern.match(path)
            if found and method in route.methods:
                op = self.doc["paths"][route.template][method]
                pointer = f"/paths/{_escape(route.template)}/{method}"
                return Operation(
                    method,
                    route.template,
                    op["operationId"],
                    dict(zip(route.names, found.groups(), strict=True)),
                    pointer,
                )
        return None

    # validation ------------------------------------------------------------------------

    def _validator(self, pointer: str) -> Draft202012Validator:
        if pointer not in self._validators:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            self._validators[pointer] = Draft202012Validator(schema, registry=self._registry)
        return self._validators[pointer]

    def _errors(self, pointer: str, instance: Any, label: str) -> list[str]:
        return [f"{label}: {_describe(e)}" for e in self._validator(pointer).iter_errors(instance)]

    def _real_pointer(self, pointer: str) -> str:
        """`pointer` with each `$ref` on the way (and at the end) replaced by its target."""
        node: Any = self.doc
        current = ""
        for part in [*pointer.lstrip("/").split("/"), None]:
            while isinstance(node, dict) and isinstance(node.get("$ref"), str):
                current = node["$ref"].removeprefix("#")
                node = self._at(current)
            if part is None:
                return current
            key = part.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
            current = f"{current}/{part}"
        return current

    def check_request(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> list[str]:
        """Problems with a request: unknown operation, params, request body."""
        op = self.match(method, path)
        if op is None:
            return [f"{method.upper()} {path}: no such operation in GitHub's description"]
        label = f"{op.operation_id} request"
        return [*self._check_params(op, query, label), *self._check_body(op, body, label)]

    def _parameters(self, op: Operation) -> list[tuple[str, JSON]]:
        """(pointer, parameter) for path-level then operation-level parameters."""
        found: dict[tuple[str, str], tuple[str, JSON]] = {}
        for scope in (f"/paths/{_escape(op.template)}", op.pointer):
            for index, raw in enumerate(self._at(scope).get("parameters", [])):
                param = self.resolve(raw)
                pointer = self._real_pointer(f"{scope}/parameters/{index}")
                found[(param["in"], param["name"])] = (pointer, param)
        return list(found.values())

    def _check_params(self, op: Operation, query: dict[str, list[str]], label: str) -> list[str]:
        problems: list[str] = []
        params = self._parameters(op)
        documented = {p["name"] for _, p in params if p["in"] == "query"}
        problems += [
            f"{label}: query parameter {name!r} is not documented"
            for name in query
            if name not in documented
        ]
        for pointer, param in params:
            raw = (
                op.path_params.get(param["name"])
                if param["in"] == "path"
                else (query.get(param["name"], [None])[-1] if param["in"] == "query" else None)
            )
            if param["in"] not in ("path", "query"):
                continue
            if raw is None:
                if param.get("required"):
                    problems.append(f"{label}: required parameter {param['name']!r} missing")
                continue
            value = _coerce(raw, self.resolve(param.get("schema", {})))
            problems += self._errors(
                f"{pointer}/schema", value, f"{label} parameter {param['name']!r}"
            )
        return problems

    def _check_body(self, op: Operation, body: Any, label: str) -> list[str]:
        spec = self.resolve(self._at(op.pointer).get("requestBody"))
        if spec is None:
            return [] if body is None else [f"{label}: sends a body, none is documented"]
        if body is None:
            return [f"{label}: required body missing"] if spec.get("required") else []
        pointer = self._real_pointer(f"{op.pointer}/requestBody")
        media = _json_media(spec.get("content", {}))
        if media is None:
            return [f"{label}: documented body is not JSON"]
        return self._errors(f"{pointer}/content/{_escape(media)}/schema", body, f"{label} body")

    def check_response(
        self, method: str, path: str, status: int, body: Any, *, is_json: bool = True
    ) -> list[str]:
        """Problems with a response: undocumented status, schema violations.

        `is_json=False` is for answers in another media type the client asked for (e.g.
        `application/vnd.github.raw`): only the status is checked, the description has no
        schema for them.
        """
        op = self.match(method, path)
        if op is None:
            return [f"{method.upper()} {path}: no such operation in GitHub's description"]
        label = f"{op.operation_id} {status} response"
        responses = self._at(op.pointer)["responses"]
        key = str(status) if str(status) in responses else "default"
        if key not in responses:
            return self._undocumented(status, body, label)
        pointer = self._real_pointer(f"{op.pointer}/responses/{key}")
        media = _json_media(self._at(pointer).get("content", {}))
        if not is_json:
            return []
        if media is None and status >= 400 and body is not None:
            # e.g. git/delete-ref's 422 documents no body; GitHub still sends an error object
            return self._errors("/components/schemas/basic-error", body, label)
        if media is None:
            return [] if body is None else [f"{label}: JSON body where none is documented"]
        if body is None:
            return [f"{label}: no JSON body, documented {media}"]
        return self._errors(f"{pointer}/content/{_escape(media)}/schema", body, label)

    def _undocumented(self, status: int, body: Any, label: str) -> list[str]:
        # GitHub answers any endpoint with 304 (conditional request) and 401/403/404/5xx
        # error objects, documented or not; only an undocumented success is a problem.
        if status == 304:
            return []
        if status >= 400:
            return self._errors("/components/schemas/basic-error", body, label)
        return [f"{label}: status {status} is not documented"]

    def check_webhook(self, event: str, action: str | None, payload: Any) -> list[str]:
        """Problems with a webhook payload against the description's `x-webhooks` entry for
        `event`-`action` (an event it does not describe is a problem too)."""
        # the description names them with hyphens: pull_request closed is pull-request-closed
        kind = event.replace("_", "-")
        name = f"{kind}-{action.replace('_', '-')}" if action else kind
        item = self.doc.get("x-webhooks", {}).get(name)
        if not isinstance(item, dict) or "post" not in item:
            return [f"webhook {name}: not in GitHub's description"]
        pointer = self._real_pointer(
            f"/x-webhooks/{_escape(name)}/post/requestBody/content/application~1json/schema"
        )
        return self._errors(pointer, payload, f"webhook {name}")

    def check_exchange(self, exchange: Exchange) -> list[str]:
        """Request and response problems of one recorded exchange, with its request id."""
        op = self.match(exchange.method, exchange.path)
        where = f"[{exchange.method} {exchange.path} {exchange.request_id}]"
        if op is not None and exchange.operation_id and op.operation_id != exchange.operation_id:
            return [
                f"{where} served as {exchange.operation_id}, "
                f"GitHub's description says {op.operation_id}"
            ]
        problems = [
            *self.check_request(
                exchange.method, exchange.path, exchange.query, exchange.request_json
            ),
            *self.check_response(
                exchange.method,
                exchange.path,
                exchange.status,
                exchange.response_json,
                is_json=_is_json(exchange.response_headers.get("content-type", "json")),
            ),
        ]
        return [f"{where} {p}" for p in dict.fromkeys(problems)]


@cache
def _load(spec_path: Path) -> OpenAPIContract:
    return OpenAPIContract(spec_path)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _specificity(route: _Route) -> tuple[int, int, str]:
    literal = sum(1 for part in route.template.split("/") if part and "{" not in part)
    return (-literal, len(route.names), route.template)


def _json_media(content: JSON) -> str | None:
    if "application/json" in content:
        return "application/json"
    return next((m for m in content if m.endswith("json")), None)


def _is_json(content_type: str) -> bool:
    return "json" in content_type.partition(";")[0]


def _coerce(raw: str, schema: JSON) -> Any:
    """A query/path string as the type its schema wants, so the schema can judge it."""
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    try:
        if "integer" in kinds:
            return int(raw)
        if "number" in kinds:
            return float(raw)
    except ValueError:
        return raw
    if "boolean" in kinds and raw in ("true", "false"):
        return raw == "true"
    if "array" in kinds:
        return raw.split(",")
    return raw


def _describe(error: ValidationError) -> str:
    """The most specific message, with where in the instance it applies."""
    if error.context:
        error = best_match(error.context) or error
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    message = error.message
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return f"at {where}: {message}"
