"""What every model call of the code graph shares: its system message and its accounting."""

from __future__ import annotations

from agents import prompts
from agents.code.context import CodeContext
from agents.code.state import CodeState
from agents.ports import Message, Usage
from agents.untrusted import fence

PACKAGE = "agents.code"
# every prompt file the graph renders: their hash is stored with each task
PROMPTS = (
    "system",
    "plan",
    "explore",
    "plan_now",
    "reproduce",
    "reproduce_again",
    "edit",
    "edit_reproduction",
)


def system_message(ctx: CodeContext) -> Message:
    forbidden = ", ".join(ctx.forbidden_paths) or "(none configured)"
    text = prompts.render(PACKAGE, "system", repository=ctx.repository, forbidden_paths=forbidden)
    return Message("system", text)


def issue_text(state: CodeState) -> str:
    """The issue (or pull request) asked about, fenced: its words are data, not instructions."""
    return fence(
        "issue",
        f"#{state.get('issue_number')}: {state.get('issue_title', '')}\n\n"
        f"{state.get('issue_body', '')}",
    )


def used(state: CodeState) -> int:
    """Tokens the task's graph has spent so far."""
    return state.get("prompt_tokens", 0) + state.get("completion_tokens", 0)


def report_spend(ctx: CodeContext, state: CodeState, latest: Usage) -> None:
    so_far = Usage(state.get("prompt_tokens", 0), state.get("completion_tokens", 0))
    ctx.progress.spent(so_far + latest)


def spend(latest: Usage) -> CodeState:
    """The state update that adds one call's tokens."""
    return {"prompt_tokens": latest.prompt_tokens, "completion_tokens": latest.completion_tokens}
