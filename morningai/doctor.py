"""`morningai doctor`: the configuration checked end to end, each check ✓, ✗ or "not
configured", with the fix in words. Every check catches its own failure: one broken setting
never hides the others. The checks that need no model client live in
jobs/runtime/setup_checks.py, which the dashboard's setup page runs too; the model's and the
embedding model's are here alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from agents.code import sandbox
from agents.embeddings import OpenAIEmbedder
from agents.ports import Message
from core.settings import Settings
from jobs.runtime import sandbox_checks, setup_checks
from jobs.runtime.check_result import Check, fail, ok
from jobs.runtime.setup_checks import WEB_DIST, check_role, where
from morningai.errors import explain
from morningai.preflight import CLI_RETRIES, CLI_TIMEOUT, cli_chat_model

__all__ = ["WEB_DIST", "Check", "check_role", "passed", "render", "run_checks"]

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "off": "-"}


def check_model(settings: Settings) -> Check:
    name = "model"
    if settings.openai_api_key is None and not settings.openai_base_url:
        return fail(
            name,
            "no model is configured",
            "set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (Ollama, vLLM) and MORNINGAI_MODEL",
        )
    answer = cli_chat_model(settings).complete([Message("user", "Say OK.")], max_tokens=1)
    return ok(
        name,
        f"{answer.model} answered at {where(settings.openai_base_url or 'https://api.openai.com')}",
    )


def check_embeddings(settings: Settings) -> Check:
    name = "embedding model"
    if not settings.morningai_embedding_model:
        return Check(name, "off", "not configured: FAQ memory uses full-text search")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    embedder = OpenAIEmbedder.connect(
        settings.morningai_embedding_model,
        key,
        settings.openai_base_url,
        dimensions=settings.morningai_embedding_dimensions,
        max_retries=CLI_RETRIES,
    )
    embedder.client = embedder.client.with_options(timeout=CLI_TIMEOUT)
    [vector] = embedder.embed(["ok"])
    return ok(name, f"{embedder.model} answered ({len(vector)} dimensions)")


def run_checks(settings: Settings, *, dist: Path = WEB_DIST) -> list[Check]:
    mode = settings.morningai_sandbox
    checks: list[tuple[str, Callable[[], Check]]] = [
        *setup_checks.before_models(settings),
        ("model", lambda: check_model(settings)),
        ("embedding model", lambda: check_embeddings(settings)),
        *setup_checks.after_models(dist),
        ("sandbox", lambda: sandbox_checks.check_sandbox(mode, *sandbox.report(mode))),
    ]
    return [setup_checks.guarded(name, check, _explained) for name, check in checks]


def _explained(exc: Exception) -> str:
    return explain(exc).message


def passed(checks: list[Check]) -> bool:
    return all(c.status != "fail" for c in checks)


def render(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = []
    for c in checks:
        lines.append(f"{MARKS[c.status]} {c.name.ljust(width)}  {c.detail}")
        if c.fix:
            lines.append(f"  {' ' * width}  fix: {c.fix}")
    verdict = "all required checks hold" if passed(checks) else "some checks failed"
    return "\n".join([*lines, "", verdict]) + "\n"
