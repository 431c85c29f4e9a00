"""The services one end-to-end flow runs on, bundled: the `flow` fixture returns this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from redis import Redis

from core.settings import Settings
from db.pool import Database
from jobs.runtime.context import JobContext
from simulator import GitHubSimulator
from simulator.openai_server import ScriptedModelServer
from tests.fakes.http import WebhookSender


@dataclass(frozen=True)
class Flow:
    sim: GitHubSimulator  # GitHub, over HTTP, backed by git
    settings: Settings  # the app's and the worker's: the simulator, the model server, db, redis
    model: ScriptedModelServer
    redis: Redis  # flushed for this test
    db: psycopg.Connection[tuple[Any, ...]]  # the owner's view, for assertions
    app_db: Database  # the app's own pool (row-level security applies)
    sender: WebhookSender  # signed webhooks to the app over HTTP
    ctx: JobContext  # the worker's context, installed in this process
    repo: dict[str, Any]  # OWNER/REPO: its installation, repository and labeled issue number
