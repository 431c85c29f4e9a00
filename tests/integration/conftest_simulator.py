"""pytest fixtures for the GitHub simulator, importable from any test module.

    from tests.integration.conftest_simulator import github_sim, openapi_contract  # noqa: F401

`github_sim` fails the test at teardown if any exchange broke GitHub's OpenAPI description.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import GitHubSimulator, OpenAPIContract
from tests.fakes.npm_fixtures import openapi_path


def contract_spec_path() -> Path:
    # The $ref'd twin of the dereferenced file: same description, ~5x less memory and time.
    return openapi_path().with_name("api.github.com.json")


@pytest.fixture(scope="session")
def openapi_contract() -> OpenAPIContract:
    return OpenAPIContract.load(contract_spec_path())


@pytest.fixture
def github_sim(tmp_path: Path, openapi_contract: OpenAPIContract) -> Iterator[GitHubSimulator]:
    with GitHubSimulator(tmp_path / "github") as sim:
        yield sim
        problems = sim.contract_violations(openapi_contract)
        if problems:  # this module is not assertion-rewritten: say what broke
            pytest.fail("GitHub's OpenAPI description is violated:\n" + "\n".join(problems))
