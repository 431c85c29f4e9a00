"""The deployment files say what the code expects: manifest, Render Blueprint, gunicorn config."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "OPENAI_API_KEY"}


def load_yaml(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_yaml("app.yml")


@pytest.fixture(scope="module")
def blueprint() -> dict[str, Any]:
    return load_yaml("render.yaml")


def service(blueprint: dict[str, Any], kind: str) -> dict[str, Any]:
    [found] = [s for s in blueprint["services"] if s["type"] == kind]
    assert isinstance(found, dict)
    return found


def env(blueprint: dict[str, Any], entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A service's variables by key, including those of the groups it pulls in."""
    groups = {g["name"]: g["envVars"] for g in blueprint.get("envVarGroups", [])}
    variables: dict[str, dict[str, Any]] = {}
    for var in entry["envVars"]:
        for item in groups[var["fromGroup"]] if "fromGroup" in var else [var]:
            assert item["key"] not in variables, f"{item['key']} defined twice"
            variables[item["key"]] = item
    return variables


# -- app.yml -------------------------------------------------------------------------------------


def test_manifest_hook_points_at_the_webhook_route(manifest: dict[str, Any]) -> None:
    hook = manifest["hook_attributes"]
    assert hook["active"] is True
    assert hook["url"].startswith("https://")
    assert hook["url"].endswith("/api/github/webhooks")


def test_manifest_permissions_are_the_least_set(manifest: dict[str, Any]) -> None:
    assert manifest["default_permissions"] == {
        "contents": "write",
        "issues": "write",
        "pull_requests": "write",
        "metadata": "read",
        # GET /user/memberships/orgs/{org} with a person's token: who may link a chat workspace
        "members": "read",
    }


def test_manifest_subscribes_only_to_handled_events(manifest: dict[str, Any]) -> None:
    # installation* are delivered automatically, and GitHub rejects them in default_events
    assert sorted(manifest["default_events"]) == [
        "issue_comment",
        "issues",
        "pull_request",
        "pull_request_review",
        "pull_request_review_comment",
    ]


def test_manifest_has_the_fields_github_reads(manifest: dict[str, Any]) -> None:
    allowed = {
        "name",
        "url",
        "hook_attributes",
        "redirect_url",
        "callback_urls",
        "setup_url",
        "description",
        "public",
        "default_events",
        "default_permissions",
        "request_oauth_on_install",
        "setup_on_update",
    }
    assert set(manifest) <= allowed
    assert {"name", "url", "hook_attributes", "redirect_url"} <= set(manifest)


# -- render.yaml ---------------------------------------------------------------------------------


def test_web_service_runs_gunicorn_on_the_wsgi_app(blueprint: dict[str, Any]) -> None:
    web = service(blueprint, "web")
    assert web["runtime"] == "python"
    assert web["startCommand"] == "gunicorn -c gunicorn_config.py web.wsgi:app"
    assert web["preDeployCommand"] == "morningai migrate"
    assert web["healthCheckPath"] == "/healthz"
    assert web["buildCommand"] == "pip install -c constraints.txt ."


def test_worker_runs_the_rq_worker(blueprint: dict[str, Any]) -> None:
    worker = service(blueprint, "worker")
    assert worker["runtime"] == "python"
    assert worker["startCommand"] == "morningai worker"
    assert worker["buildCommand"] == service(blueprint, "web")["buildCommand"]


def test_datastores_are_private(blueprint: dict[str, Any]) -> None:
    queue = service(blueprint, "keyvalue")
    assert queue["ipAllowList"] == []
    assert queue["maxmemoryPolicy"] == "noeviction"
    [database] = blueprint["databases"]
    assert database["ipAllowList"] == []


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_database_and_redis_are_wired_from_the_blueprint(
    blueprint: dict[str, Any], kind: str
) -> None:
    variables = env(blueprint, service(blueprint, kind))
    database = blueprint["databases"][0]["name"]
    queue = service(blueprint, "keyvalue")["name"]
    assert variables["DATABASE_URL"]["fromDatabase"] == {
        "name": database,
        "property": "connectionString",
    }
    assert variables["REDIS_URL"]["fromService"] == {
        "type": "keyvalue",
        "name": queue,
        "property": "connectionString",
    }


def test_secrets_are_never_committed(blueprint: dict[str, Any]) -> None:
    web = service(blueprint, "web")
    seen: set[str] = set()
    for entry in (web, service(blueprint, "worker")):
        for key, var in env(blueprint, entry).items():
            if key not in SECRETS:
                continue
            seen.add(key)
            copied = var.get("fromService", {})
            # asked for in the Dashboard, or copied from the web service's prompted value
            assert var.get("sync") is False or (
                copied.get("name") == web["name"] and copied.get("envVarKey") == key
            ), key
            assert "value" not in var, key
    assert seen == SECRETS


def test_worker_gets_the_credentials_its_jobs_use(blueprint: dict[str, Any]) -> None:
    variables = env(blueprint, service(blueprint, "worker"))
    assert {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "OPENAI_API_KEY"} <= set(variables)
    assert "GITHUB_WEBHOOK_SECRET" not in variables


def test_secret_key_is_generated_once_and_shared_with_the_worker(
    blueprint: dict[str, Any],
) -> None:
    web = service(blueprint, "web")
    assert env(blueprint, web)["MORNINGAI_SECRET_KEY"] == {
        "key": "MORNINGAI_SECRET_KEY",
        "generateValue": True,
    }
    copied = env(blueprint, service(blueprint, "worker"))["MORNINGAI_SECRET_KEY"]["fromService"]
    assert (copied["name"], copied["envVarKey"]) == (web["name"], "MORNINGAI_SECRET_KEY")


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_plain_settings(blueprint: dict[str, Any], kind: str) -> None:
    variables = env(blueprint, service(blueprint, kind))
    assert variables["PYTHON_VERSION"]["value"] == "3.11.7"
    for key in ("MORNINGAI_MODEL", "OPENAI_BASE_URL", "GITHUB_API_URL"):
        assert variables[key]["value"], key
    assert variables["LOG_FORMAT"]["value"] == "json"


def test_everything_is_in_one_region(blueprint: dict[str, Any]) -> None:
    regions = {entry["region"] for entry in blueprint["services"] + blueprint["databases"]}
    assert len(regions) == 1


# -- gunicorn_config.py --------------------------------------------------------------------------


def load_gunicorn_config(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, Any]:
    for name in (
        "PORT",
        "GUNICORN_BIND",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
        "LOG_LEVEL",
        "LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_path(str(ROOT / "gunicorn_config.py"))
    return {k: v for k, v in namespace.items() if not k.startswith("_") and k != "annotations"}


def test_gunicorn_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_gunicorn_config(monkeypatch)
    assert config["bind"] == "0.0.0.0:8000"
    assert (config["workers"], config["threads"]) == (2, 64)  # room for live task streams
    assert config["worker_class"] == "gthread"
    assert config["control_socket_disable"] is True
    assert config["preload_app"] is False
    assert (config["accesslog"], config["errorlog"]) == ("-", "-")
    assert config["timeout"] == 30
    assert config["graceful_timeout"] < 30  # Render kills 30 s after SIGTERM


def test_gunicorn_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_gunicorn_config(
        monkeypatch, PORT="10000", WEB_CONCURRENCY="3", GUNICORN_THREADS="8", LOG_LEVEL="DEBUG"
    )
    assert config["bind"] == "0.0.0.0:10000"
    assert (config["workers"], config["threads"]) == (3, 8)
    assert config["loglevel"] == "debug"


def test_gunicorn_bind_override_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_gunicorn_config(monkeypatch, PORT="10000", GUNICORN_BIND="unix:/tmp/web.sock")
    assert config["bind"] == "unix:/tmp/web.sock"


def test_gunicorn_accepts_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A misspelt name would be silently ignored by gunicorn; here it fails."""
    config = load_gunicorn_config(monkeypatch, PORT="10000")
    gunicorn = Config()
    for name, value in config.items():
        if callable(value) or isinstance(value, ModuleType):
            continue
        assert name in gunicorn.settings, f"not a gunicorn setting: {name}"
        gunicorn.set(name, value)
    assert gunicorn.control_socket_disable is True
    assert gunicorn.address == [("0.0.0.0", 10000)]  # noqa: S104 - what Render needs
    assert gunicorn.worker_class_str == "gthread"


def test_gunicorn_logs_json_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_gunicorn_config(monkeypatch)["logconfig_dict"] == {}  # text: gunicorn's own
    config = load_gunicorn_config(monkeypatch, LOG_FORMAT="json", LOG_LEVEL="WARNING")
    logging = config["logconfig_dict"]
    assert logging["formatters"]["json"] == {"()": "core.logs.JsonFormatter"}
    assert logging["root"] == {"level": "WARNING", "handlers": ["stdout"]}
    for name in ("gunicorn.error", "gunicorn.access"):
        # their own handler only: a record must not print twice through the root's
        assert logging["loggers"][name]["handlers"] == ["stdout"]
        assert logging["loggers"][name]["propagate"] is False
    gunicorn = Config()
    gunicorn.set("logconfig_dict", logging)
    assert gunicorn.logconfig_dict == logging


def test_gunicorn_hooks_prepare_the_metrics_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = runpy.run_path(str(ROOT / "gunicorn_config.py"))
    # set first so that monkeypatch restores the variable the hook sets
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    config["on_starting"](None)
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.is_dir()
    assert list(made.iterdir()) == []
    config["on_exit"](None)
    assert not made.exists()
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "histogram_123.db").write_bytes(b"from a previous run")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    config["on_starting"](None)
    assert list(given.iterdir()) == []  # emptied, as prometheus_client requires
    config["on_exit"](None)
    assert given.is_dir()  # not ours to remove
