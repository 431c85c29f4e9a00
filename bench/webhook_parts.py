"""Where a webhook request's time goes, part by part, in one process (no profiler).

    .venv/bin/python -m bench.webhook_parts [--requests 3000]

Runs the receiver in-process through Flask's test client, one request at a time, against the
embedded PostgreSQL and Redis (bench/services.py, database `morningai_parts`), with GitHub's
example payloads in bench/webhooks' mix; each part of the view is wrapped to add up its CPU
(process time) and wall time. Then the same for the non-durable baseline app. One thread and
no HTTP server: it shows the cost of each step and the wait on each round trip, not what a
loaded server does with them (bench/webhooks does that). A profiler would distort the
pure-Python parts several-fold (cProfile puts the payload walk at half the request).
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask
from pydantic import SecretStr

from bench.services import provided_services
from bench.webhook_payloads import MIX, PayloadMix, Prepared
from core.settings import Settings

WARMUP = 300
Totals = dict[str, list[float]]


def wrap(owner: Any, name: str, label: str, totals: Totals) -> None:
    """Replace `owner.name` with a version that adds its CPU and wall time under `label`."""
    real: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(real)
    def timed(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent = totals[label]
            spent[0] += time.process_time() - cpu
            spent[1] += time.perf_counter() - wall

    setattr(owner, name, timed)


def drive(app: Flask, requests: Sequence[Prepared]) -> tuple[float, float]:
    """Post `requests` after a warm-up; CPU and wall seconds of the measured ones."""
    client = app.test_client()
    for p in requests[:WARMUP]:
        client.post("/api/github/webhooks", data=p.body, headers=p.headers)
    cpu, wall = time.process_time(), time.perf_counter()
    for p in requests[WARMUP:]:
        response = client.post("/api/github/webhooks", data=p.body, headers=p.headers)
        assert response.status_code in (200, 202), response.status_code
    return time.process_time() - cpu, time.perf_counter() - wall


def ours(settings: Settings, requests: Sequence[Prepared], totals: Totals) -> tuple[float, float]:
    from github_app import events, intake, signature
    from web import create_app, webhooks

    wrap(signature, "is_valid", "HMAC check", totals)
    wrap(events, "parse", "parse (JSON, storable walk)", totals)
    wrap(webhooks, "route", "route", totals)  # imported by name into the view's module
    wrap(intake, "apply", "intake (1 PostgreSQL round trip)", totals)
    wrap(webhooks, "enqueue_task", "RQ enqueue (1 Redis round trip)", totals)
    app = create_app(settings)
    app.view_functions["webhooks.receive"] = functools.partial(_view, webhooks, totals)
    try:
        spent = drive(app, requests)
    finally:
        app.extensions["morningai"].close()
    return spent


def _view(webhooks: Any, totals: Totals) -> Any:
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        return webhooks.receive()
    finally:
        spent = totals["the view, all of it"]
        spent[0] += time.process_time() - cpu
        spent[1] += time.perf_counter() - wall


def report(name: str, n: int, spent: tuple[float, float], totals: Totals) -> None:
    print(f"\n{name}: {n} requests, one at a time (ms per request, mix average)")
    print(f"  {'':<36}{'CPU':>7}{'wall':>7}")
    print(
        f"  {'everything (test client included)':<36}{spent[0] / n * 1000:7.3f}"
        f"{spent[1] / n * 1000:7.3f}"
    )
    for label, (cpu, wall) in totals.items():
        print(f"  {label:<36}{cpu / n * 1000:7.3f}{wall / n * 1000:7.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_parts", description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    n = max(1, parser.parse_args(argv).requests)
    secret = secrets.token_hex(16)
    mix = PayloadMix(secret.encode(), 1, MIX)
    with provided_services("morningai_parts") as services:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=services.urls.app,
            redis_url=services.redis_url,
            github_webhook_secret=SecretStr(secret),
            github_app_id="1",  # a whole App, as in production (bench/webhooks.py)
            github_private_key=SecretStr("unused on the webhook path"),
        )
        totals: Totals = defaultdict(lambda: [0.0, 0.0])
        report("MorningAI's receiver", n, ours(settings, mix.build(n + WARMUP), totals), totals)
        os.environ["GITHUB_WEBHOOK_SECRET"] = secret
        os.environ["REDIS_URL"] = services.redis_url
        from bench import webhook_baseline

        spent = drive(webhook_baseline.app, mix.build(n + WARMUP))
        report("the non-durable baseline (bench/webhook_baseline.py)", n, spent, {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
