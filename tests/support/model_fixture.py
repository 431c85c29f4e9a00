"""The scripted model server as a fixture (`model`) that fails its test at teardown when a
scripted answer was never asked for or a request came that nothing scripted — so no test has
to remember `assert_done()`. A test that means to leave script unused says so, with a reason:
`model.allow_unused("…")` (or `allow_unexpected`)."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from simulator.openai_server import ScriptedModelServer

CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a failed test body: its leftover script is a consequence, not a second error."""
    report = yield
    if report.when == "call" and report.failed:
        item.stash[CALL_FAILED] = True
    return report


def check_at_teardown(server: ScriptedModelServer, node: pytest.Item | None = None) -> None:
    """Fail the test on the server's leftovers, unless its body failed already."""
    if node is not None and node.stash.get(CALL_FAILED, False):
        return
    if problems := server.leftovers():
        pytest.fail(
            "the scripted model server was not used as scripted:\n  "
            + "\n  ".join(problems)
            + "\n(trim the script, or find why the product asked; a test that means it calls"
            " model.allow_unused(reason) or model.allow_unexpected(reason))",
            pytrace=False,
        )


@pytest.fixture
def model(request: pytest.FixtureRequest) -> Iterator[ScriptedModelServer]:
    """The scripted model server (queue its replies before the task runs); checked at
    teardown, after everything that used it has stopped."""
    server = ScriptedModelServer().start()
    try:
        yield server
    finally:
        server.stop()
    node = request.node if isinstance(request.node, pytest.Item) else None
    check_at_teardown(server, node)
