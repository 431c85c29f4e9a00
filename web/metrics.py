"""GET /metrics in Prometheus' format, for holders of METRICS_TOKEN only; and the webhook
latency histogram it reports, timed around POST /api/github/webhooks.

Everything but the latency is read at scrape time from where it is true: deliveries, tasks and
usage from PostgreSQL (aggregates through SECURITY DEFINER functions), queue depths from Redis.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Histogram, disable_created_metrics
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from db.reads import operator as store
from db.tenancy import unscoped_transaction
from jobs.runtime.queues import depths
from web.services import Services

log = logging.getLogger(__name__)
blueprint = Blueprint("metrics", __name__)

# no `_created` gauge beside the histogram: Prometheus takes a restart for a reset anyway
disable_created_metrics()  # type: ignore[no-untyped-call]
# gunicorn_config.py sets it before the workers start; prometheus_client read it at import too
_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
WEBHOOK_SECONDS = Histogram(
    "morningai_webhook_request_duration_seconds",
    "Time to answer POST /api/github/webhooks (verify, record, enqueue), by HTTP status.",
    ["status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,  # collected per scrape: from this process, or every worker's files
)
_TIMED_ENDPOINT = "webhooks.receive"


@blueprint.before_app_request
def _start_timer() -> None:
    if request.endpoint == _TIMED_ENDPOINT:
        g.morningai_started = time.perf_counter()


@blueprint.after_app_request
def _observe(response: Response) -> Response:
    # after_request also runs for error answers (413, 503), so every delivery is timed
    started = g.pop("morningai_started", None)
    if started is not None:
        elapsed = time.perf_counter() - started
        WEBHOOK_SECONDS.labels(status=str(response.status_code)).observe(elapsed)
    return response


def _authorized(header: str | None, token: str) -> bool:
    scheme, _, presented = (header or "").partition(" ")
    # compare_digest: the time taken does not tell how much of a guess was right
    return scheme.lower() == "bearer" and hmac.compare_digest(
        presented.strip().encode("utf-8"), token.encode("utf-8")
    )


@blueprint.get("/metrics")
def metrics() -> Response:
    services: Services = current_app.extensions["morningai"]
    token = services.settings.metrics_token
    if token is None or not token.get_secret_value():
        abort(404)  # not public unless asked for: looks like no such page
    if not _authorized(request.headers.get("Authorization"), token.get_secret_value()):
        response = Response("a valid bearer token is required\n", status=401, mimetype="text/plain")
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry()
    if _MULTIPROC_DIR:
        MultiProcessCollector(registry, path=_MULTIPROC_DIR)  # type: ignore[no-untyped-call]
    else:
        registry.register(WEBHOOK_SECONDS)
    registry.register(StoreCollector(services))
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encoder(registry), headers={"Content-Type": content_type})


class StoreCollector:
    """What PostgreSQL and Redis say now. A source that does not answer is reported by
    `morningai_metrics_source_up` 0 and its families are left out, not the whole scrape."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "morningai_metrics_source_up",
            "Whether a source of these metrics answered this scrape (1) or not (0).",
            labels=["source"],
        )
        for source, read in (("postgresql", self._database), ("redis", self._queues)):
            try:
                families = list(read())
            except Exception as exc:  # report the outage as a metric; the scrape still works
                log.warning("metrics: %s unavailable (%s)", source, type(exc).__name__)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from families
        yield up

    def _database(self) -> Iterator[Metric]:
        with unscoped_transaction(self.services.db) as conn:
            found = store.figures(conn)
        yield _deliveries(found.deliveries)
        yield _tasks(found.tasks)
        yield _durations(found.durations)
        yield from _usage(found.usage)

    def _queues(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "morningai_queue_jobs",
            "RQ jobs per queue: waiting (queued) and in the scheduled, started and failed"
            " registries.",
            labels=["queue", "state"],
        )
        for name, states in depths(self.services.redis).items():
            for state, count in states.items():
                family.add_metric([name, state], count)
        yield family


def _deliveries(counts: list[store.DeliveryCount]) -> Metric:
    family = CounterMetricFamily(
        "morningai_webhook_deliveries",
        "Webhook deliveries recorded, by event and outcome (accepted, ignored, rejected).",
        labels=["event", "outcome"],
    )
    for c in counts:
        family.add_metric([c.event, c.outcome], c.deliveries)
    return family


def _tasks(counts: list[store.TaskCount]) -> Metric:
    family = GaugeMetricFamily(
        "morningai_tasks", "Tasks by kind and current state.", labels=["kind", "status"]
    )
    for c in counts:
        family.add_metric([c.kind, c.status], c.tasks)
    return family


def _durations(histograms: list[store.DurationHistogram]) -> Metric:
    family = HistogramMetricFamily(
        "morningai_task_duration_seconds",
        "How long finished tasks ran (last attempt), by kind and final state.",
        labels=["kind", "status"],
    )
    for h in histograms:
        below = zip(h.bounds, h.cumulative[:-1], strict=True)
        buckets = [(_le(bound), count) for bound, count in below] + [("+Inf", h.count)]
        family.add_metric([h.kind, h.status], buckets, h.seconds)
    return family


def _le(bound: float) -> str:
    return repr(float(bound))


def _usage(usage: list[store.TenantUsage]) -> Iterator[Metric]:
    tokens = CounterMetricFamily(
        "morningai_model_tokens",
        "Model tokens used by a tenant's tasks, by type (prompt, completion).",
        labels=["tenant_id", "account", "type"],
    )
    cost = CounterMetricFamily(
        "morningai_model_cost_usd",
        "Estimated model cost of a tenant's tasks, in US dollars.",
        labels=["tenant_id", "account"],
    )
    for u in usage:
        tenant = [str(u.tenant_id), u.account_login]
        tokens.add_metric([*tenant, "prompt"], u.prompt_tokens)
        tokens.add_metric([*tenant, "completion"], u.completion_tokens)
        cost.add_metric(tenant, float(u.cost_usd))
    yield tokens
    yield cost
