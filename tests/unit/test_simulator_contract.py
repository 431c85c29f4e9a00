"""The OpenAPI contract checker: it must be able to fail (missing properties, bad types,
undocumented statuses and parameters), and must match paths as GitHub routes them."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.contract import OpenAPIContract, to_json_schema
from simulator.exchanges import Exchange
from tests.fakes.npm_fixtures import openapi_path

LABEL = {
    "id": 1,
    "node_id": "LA_1",
    "url": "https://api.github.com/repos/o/r/labels/bug",
    "name": "bug",
    "description": None,
    "color": "d73a4a",
    "default": True,
}


@pytest.fixture(scope="module")
def contract() -> OpenAPIContract:
    return OpenAPIContract.load(openapi_path().with_name("api.github.com.json"))


def exchange(
    method: str,
    path: str,
    status: int,
    response: Any,
    request: Any = None,
    operation_id: str | None = None,
) -> Exchange:
    return Exchange(method, path, {}, {}, request, status, {}, response, b"", operation_id)


def test_nullable_becomes_a_null_type() -> None:
    assert to_json_schema({"type": "string", "nullable": True}) == {"type": ["string", "null"]}
    assert to_json_schema({"enum": ["a"], "type": "string", "nullable": True}) == {
        "enum": ["a", None],
        "type": ["string", "null"],
    }
    assert to_json_schema({"allOf": [{"$ref": "#/x"}], "nullable": True}) == {
        "anyOf": [{"allOf": [{"$ref": "#/x"}]}, {"type": "null"}]
    }
    assert to_json_schema({"properties": {"nullable": {"type": "boolean"}}}) == {
        "properties": {"nullable": {"type": "boolean"}}
    }


@pytest.mark.parametrize(
    ("method", "path", "operation", "params"),
    [
        ("GET", "/repos/o/r/git/ref/heads/feature/x", "git/get-ref", {"ref": "heads/feature/x"}),
        ("PATCH", "/repos/o/r/git/refs/heads/a/b", "git/update-ref", {"ref": "heads/a/b"}),
        ("GET", "/repos/o/r/contents/src/app.py", "repos/get-content", {"path": "src/app.py"}),
        ("GET", "/repos/o/r/contents/", "repos/get-content", {"path": ""}),
        ("GET", "/repos/o/r/issues/comments/5", "issues/get-comment", {"comment_id": "5"}),
        ("GET", "/repos/o/r/issues/5/comments", "issues/list-comments", {"issue_number": "5"}),
        (
            "POST",
            "/app/installations/7/access_tokens",
            "apps/create-installation-access-token",
            {"installation_id": "7"},
        ),
    ],
)
def test_paths_match_operations(
    contract: OpenAPIContract, method: str, path: str, operation: str, params: dict[str, str]
) -> None:
    found = contract.match(method, path)
    assert found is not None
    assert found.operation_id == operation
    assert params.items() <= found.path_params.items()


def test_unknown_path_or_method_has_no_operation(contract: OpenAPIContract) -> None:
    assert contract.match("GET", "/no/such/thing") is None
    assert contract.match("PUT", "/repos/o/r/git/ref/heads/main") is None
    assert contract.check_response("GET", "/nope", 200, {}) == [
        "GET /nope: no such operation in GitHub's description"
    ]


def test_missing_required_property_is_reported(contract: OpenAPIContract) -> None:
    broken = {k: v for k, v in LABEL.items() if k != "color"}
    problems = contract.check_response("GET", "/repos/o/r/labels", 200, [LABEL, broken])
    assert problems == [
        "issues/list-labels-for-repo 200 response: at 1: 'color' is a required property"
    ]


def test_wrong_types_and_nulls_are_reported(contract: OpenAPIContract) -> None:
    assert contract.check_response("GET", "/repos/o/r/labels", 200, [LABEL]) == []
    problems = contract.check_response(
        "GET", "/repos/o/r/labels", 200, [{**LABEL, "id": "1", "name": None}]
    )
    assert problems == [
        "issues/list-labels-for-repo 200 response: at 0/id: '1' is not of type 'integer'",
        "issues/list-labels-for-repo 200 response: at 0/name: None is not of type 'string'",
    ]


def test_statuses_must_be_documented_except_errors(contract: OpenAPIContract) -> None:
    path = "/repos/o/r/issues/1"
    assert contract.check_response("GET", path, 201, {}) == [
        "issues/get 201 response: status 201 is not documented"
    ]
    error = {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    assert contract.check_response("GET", path, 401, error) == []
    assert contract.check_response("GET", path, 304, None) == []
    assert contract.check_response("GET", path, 401, {"message": 401}) == [
        "issues/get 401 response: at message: 401 is not of type 'string'"
    ]
    assert contract.check_response("DELETE", "/repos/o/r/issues/comments/1", 204, {"x": 1}) == [
        "issues/delete-comment 204 response: JSON body where none is documented"
    ]


def test_requests_are_checked(contract: OpenAPIContract) -> None:
    assert (
        contract.check_request(
            "GET", "/repos/o/r/pulls", {"state": ["all"], "per_page": ["2"]}, None
        )
        == []
    )
    assert contract.check_request(
        "GET", "/repos/o/r/pulls", {"state": ["merged"], "sort_by": ["x"]}, None
    ) == [
        "pulls/list request: query parameter 'sort_by' is not documented",
        "pulls/list request parameter 'state': at (root): 'merged' is not one of "
        "['open', 'closed', 'all']",
    ]
    assert contract.check_request("POST", "/repos/o/r/git/refs", {}, None) == [
        "git/create-ref request: required body missing"
    ]
    assert contract.check_request("GET", "/repos/o/r/issues/x", {}, None) == [
        "issues/get request parameter 'issue_number': at (root): 'x' is not of type 'integer'"
    ]
    assert contract.check_request("GET", "/repos/o/r", {}, {"a": 1}) == [
        "repos/get request: sends a body, none is documented"
    ]


def test_exchange_served_as_another_operation_is_reported(contract: OpenAPIContract) -> None:
    wrong = exchange("GET", "/repos/o/r/labels", 200, [LABEL], operation_id="issues/get")
    [problem] = contract.check_exchange(wrong)
    assert "served as issues/get, GitHub's description says issues/list-labels-for-repo" in problem
    assert contract.check_exchange(exchange("GET", "/repos/o/r/labels", 200, [LABEL])) == []
