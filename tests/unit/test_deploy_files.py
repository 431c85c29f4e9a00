"""The deployment files say what the code expects: manifest, Render Blueprint, gunicorn config,
the CI workflow and the Makefile's browser step it relies on."""

from __future__ import annotations

import os
import re
import runpy
import stat
import subprocess
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
        # what failed on its own pull requests: check runs and annotations, Actions job logs
        "checks": "read",
        "actions": "read",
    }


def test_manifest_subscribes_only_to_handled_events(manifest: dict[str, Any]) -> None:
    # installation* are delivered automatically, and GitHub rejects them in default_events
    assert sorted(manifest["default_events"]) == [
        "check_run",
        "check_suite",
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


# Render's Blueprint fields, from https://render.com/docs/blueprint-spec (the JSON Schema it
# points to, https://render.com/schema/render.yaml.json, is carried by no npm or PyPI package we
# found, and tests run offline). A misspelt field is ignored or rejected at sync; here it fails.
ROOT_FIELDS = {"services", "databases", "envVarGroups", "projects", "ungrouped", "previews"}
SERVICE_FIELDS = {
    "type",
    "name",
    "runtime",
    "plan",
    "region",
    "repo",
    "branch",
    "rootDir",
    "buildCommand",
    "startCommand",
    "preDeployCommand",
    "autoDeployTrigger",
    "buildFilter",
    "domains",
    "healthCheckPath",
    "maxShutdownDelaySeconds",
    "numInstances",
    "scaling",
    "disk",
    "envVars",
    "previews",
    "schedule",
    "dockerCommand",
    "dockerfilePath",
    "dockerContext",
    "registryCredential",
    "image",
    "staticPublishPath",
    "headers",
    "routes",
}
KEYVALUE_FIELDS = {
    "type",
    "name",
    "region",
    "plan",
    "previewPlan",
    "ipAllowList",
    "maxmemoryPolicy",
}
DATABASE_FIELDS = {
    "name",
    "databaseName",
    "user",
    "plan",
    "previewPlan",
    "region",
    "postgresMajorVersion",
    "diskSizeGB",
    "ipAllowList",
    "readReplicas",
    "highAvailability",
}
ENV_VAR_FIELDS = {
    "key",
    "value",
    "sync",
    "generateValue",
    "fromDatabase",
    "fromService",
    "fromGroup",
}
CHOICES = {  # the values the spec lists for the fields we set
    "type": {"web", "pserv", "worker", "cron", "keyvalue"},
    "runtime": {"node", "python", "elixir", "go", "ruby", "rust", "docker", "image", "static"},
    "region": {"oregon", "ohio", "virginia", "frankfurt", "singapore"},
    "autoDeployTrigger": {"commit", "checksPass", "off"},
    "maxmemoryPolicy": {
        "allkeys-lru",
        "volatile-lru",
        "allkeys-random",
        "volatile-random",
        "volatile-ttl",
        "noeviction",
    },
}


def test_blueprint_uses_only_fields_render_documents(blueprint: dict[str, Any]) -> None:
    """Checked against the fields of https://render.com/docs/blueprint-spec, listed above."""
    assert set(blueprint) <= ROOT_FIELDS
    for entry in blueprint["services"]:
        allowed = KEYVALUE_FIELDS if entry["type"] == "keyvalue" else SERVICE_FIELDS
        assert set(entry) <= allowed, (entry["name"], set(entry) - allowed)
        for name, choices in CHOICES.items():
            if name in entry:
                assert entry[name] in choices, (entry["name"], name, entry[name])
        for var in entry.get("envVars", []):
            assert set(var) <= ENV_VAR_FIELDS, var
    for database in blueprint["databases"]:
        assert set(database) <= DATABASE_FIELDS, set(database) - DATABASE_FIELDS
    for group in blueprint["envVarGroups"]:
        assert set(group) == {"name", "envVars"}
        for var in group["envVars"]:
            assert set(var) <= {"key", "value", "generateValue"}, var  # no sync: false, no refs


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_services_deploy_only_after_the_checks_pass(blueprint: dict[str, Any], kind: str) -> None:
    """A commit on the linked branch deploys once CI (.github/workflows/ci.yml) is green."""
    entry = service(blueprint, kind)
    assert entry["autoDeployTrigger"] == "checksPass"
    assert "autoDeploy" not in entry  # the deprecated field; autoDeployTrigger replaces it


# -- .github/workflows/ci.yml --------------------------------------------------------------------

ACTION = re.compile(r"^[\w.-]+/[\w.-]+@v\d+$")  # owner/name@vN: pinned to a major version


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load_yaml(".github/workflows/ci.yml")


def ci_job(workflow: dict[str, Any]) -> dict[str, Any]:
    [job] = workflow["jobs"].values()
    assert isinstance(job, dict)
    return job


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    [found] = [s for s in job["steps"] if str(s.get("uses", "")).startswith(f"{action}@")]
    assert isinstance(found, dict)
    return found


def test_ci_runs_on_pushes_to_main_and_on_pull_requests(workflow: dict[str, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(triggers, dict)
    assert set(triggers) == {"push", "pull_request"}
    assert triggers["push"]["branches"] == ["main"]  # the branch Render deploys


def test_ci_runs_the_readme_test_command_on_a_clean_runner(workflow: dict[str, Any]) -> None:
    job = ci_job(workflow)
    assert job["runs-on"] == "ubuntu-latest"
    assert 0 < job["timeout-minutes"] <= 30
    runs = [s["run"].strip() for s in job["steps"] if "run" in s]
    assert runs == ["make test"]
    assert "make test" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert step_using(job, "actions/checkout")
    python = step_using(job, "actions/setup-python")["with"]
    assert str(python["python-version"]) == "3.11"
    node = step_using(job, "actions/setup-node")["with"]
    assert (str(node["node-version"]), node["cache"]) == ("20", "npm")
    assert node["cache-dependency-path"] == "webapp/package-lock.json"
    assert (ROOT / node["cache-dependency-path"]).is_file()
    for step in job["steps"]:
        if "uses" in step:
            assert ACTION.match(step["uses"]), step["uses"]


def test_ci_browser_tests_use_the_runners_chrome(workflow: dict[str, Any]) -> None:
    """Ubuntu's chromium package is a snap shim: the e2e tests launch Google Chrome instead."""
    assert ci_job(workflow)["env"]["MORNINGAI_CHROMIUM"] == "/usr/bin/google-chrome"


def test_ci_cancels_superseded_runs_and_reads_only(workflow: dict[str, Any]) -> None:
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in workflow["concurrency"]["group"]
    assert workflow["permissions"] == {"contents": "read"}


# -- Makefile `browser` --------------------------------------------------------------------------


def make_browser(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`make browser` with a stand-in apt-get and sudo on PATH that only record their calls."""
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir(exist_ok=True)
    for name in ("apt-get", "sudo"):
        tool = bin_dir / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> {calls}\n', encoding="utf-8")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    environ = {k: v for k, v in os.environ.items() if k != "MORNINGAI_CHROMIUM"}
    environ["PATH"] = f"{bin_dir}:/usr/bin:/bin"
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "browser", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environ,
    )
    return done, calls


def test_make_browser_accepts_the_binary_morningai_chromium_names(tmp_path: Path) -> None:
    chrome = tmp_path / "google-chrome"
    chrome.write_text("#!/bin/sh\n", encoding="utf-8")
    chrome.chmod(0o755)
    done, calls = make_browser(tmp_path, f"MORNINGAI_CHROMIUM={chrome}")
    assert (done.returncode, done.stderr, calls.exists()) == (0, "", False)
    done, calls = make_browser(tmp_path, f"MORNINGAI_CHROMIUM={tmp_path / 'missing'}")
    assert done.returncode == 0
    assert "is not an executable" in done.stderr
    assert not calls.exists()  # nothing installed in its place


def test_make_browser_on_ubuntu_names_the_fix_instead_of_installing_the_snap_shim(
    tmp_path: Path,
) -> None:
    os_release = tmp_path / "os-release"
    os_release.write_text('NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="24.04"\n', encoding="utf-8")
    done, calls = make_browser(
        tmp_path, f"CHROMIUM={tmp_path / 'chromium'}", f"OS_RELEASE={os_release}"
    )
    assert done.returncode == 0
    assert "MORNINGAI_CHROMIUM" in done.stderr
    assert "/usr/bin/google-chrome" in done.stderr
    assert not calls.exists()


def test_make_browser_on_debian_still_installs_chromium(tmp_path: Path) -> None:
    os_release = tmp_path / "os-release"
    os_release.write_text('NAME="Debian GNU/Linux"\nID=debian\n', encoding="utf-8")
    done, calls = make_browser(
        tmp_path, f"CHROMIUM={tmp_path / 'chromium'}", f"OS_RELEASE={os_release}"
    )
    assert done.returncode == 0, done.stderr
    installs = calls.read_text(encoding="utf-8")
    assert "apt-get install -y -q --no-install-recommends chromium" in installs


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
