"""A repository's id is an integer as GitHub sends it. `int()` of a string of thirty nines or
of 1e300 went past PostgreSQL's bigint and the delivery was a 500 (an issue, an installation's
repository list); a string or a float is now refused as the payload's fault (found by the
well-formed fuzzing in tests/integration/test_attack_webhook_fuzz.py). Pure, no I/O."""

from __future__ import annotations

import json
from typing import Any

import pytest

from github_app.events import PayloadError, parse
from github_app.intents import Reject, RequestTask
from github_app.routing import route
from tests.support import well_formed as wf

BY_NAME = {kind.name: kind for kind in wf.KINDS}
ODD_IDS = ["9" * 30, 1e300, 12.0, "12", True, None, [1], {"id": 1}]


def payload(name: str) -> dict[str, Any]:
    return wf.build(BY_NAME[name])


@pytest.mark.parametrize("github_id", ODD_IDS)
def test_a_repository_id_github_never_sends_is_a_payload_error(github_id: object) -> None:
    body = payload("issues.labeled trigger")
    body["repository"]["id"] = github_id
    with pytest.raises(PayloadError):
        parse("d-1", "issues", json.dumps(body).encode())


@pytest.mark.parametrize("github_id", ODD_IDS)
@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("installation.created", "repositories"),
        ("installation_repositories.added", "repositories_added"),
        ("installation_repositories.removed", "repositories_removed"),
    ],
)
def test_an_installations_repository_with_such_an_id_is_rejected(
    name: str, where: str, github_id: object
) -> None:
    body = payload(name)
    body[where] = [{"id": github_id, "full_name": "o/r", "private": False}]
    env = parse("d-1", BY_NAME[name].event, json.dumps(body).encode())
    assert isinstance(route(env, trigger_label=wf.TRIGGER_LABEL), Reject)


def test_an_integer_id_is_kept() -> None:
    body = payload("issues.labeled trigger")
    body["repository"]["id"] = 2**63 - 1
    intent = route(parse("d-1", "issues", json.dumps(body).encode()), trigger_label="morningai")
    assert isinstance(intent, RequestTask)
    assert intent.repository.github_id == 2**63 - 1
