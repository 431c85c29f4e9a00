"""`morningai`: migrate, serve, worker, and `run` (everything, locally, with embedded services)."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from core.logs import configure_logging

if TYPE_CHECKING:
    from core.settings import Settings

log = logging.getLogger("morningai")
TELEGRAM_WEBHOOK_PATH = "/api/telegram/webhook"
DEBUG_HELP = "on failure, show the traceback too (as LOG_LEVEL=DEBUG does)"


def _migrate(_: argparse.Namespace) -> int:
    from core.settings import Settings
    from morningai.preflight import reach_postgres
    from morningai.schema import migrate_all

    settings = Settings()
    url = settings.database_migration_url or settings.require_database_url()
    reach_postgres(url)
    applied = migrate_all(url)
    log.info("migrations applied: %s", ", ".join(applied) if applied else "none (up to date)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    argv = ["gunicorn", "-c", args.config, "web.wsgi:app"]
    os.execvp(argv[0], argv)  # noqa: S606 - fixed argv, replaces this process by gunicorn


def _worker(args: argparse.Namespace) -> int:
    from core.settings import Settings
    from jobs.runtime.worker import LANE_QUEUES, run_worker, stop_lane

    settings = Settings()
    if args.lane:  # the stop lane itself: high only; the main worker reconciles
        run_worker(settings, burst=args.burst, queues=LANE_QUEUES, reconciler=False)
        return 0
    _reach_services(settings)  # fail in words at once, not after the pool's 30 s of retries
    if args.burst or args.no_lane:
        run_worker(settings, burst=args.burst)
        return 0
    with stop_lane([sys.executable, "-m", "morningai.cli", "worker", "--lane"]):
        run_worker(settings)
    return 0


def _reconcile(_: argparse.Namespace) -> int:
    from redis import Redis

    from db.pool import Database
    from jobs.runtime.reconciler import reconcile

    settings = _settings_beside_run()
    _reach_services(settings)
    db = Database(settings.require_database_url()).open(wait=True)
    try:
        ids = reconcile(db, Redis.from_url(settings.require_redis_url()))
    finally:
        db.close()
    log.info("enqueued %d task(s): %s", len(ids), ids)
    return 0


def _settings_beside_run() -> Settings:
    """Settings, with the embedded services of a `make run` in this directory where unset."""
    from core.settings import Settings
    from morningai.runstate import adopt_run_state

    settings = Settings()
    return Settings() if adopt_run_state(settings) else settings


def _reach_services(settings: Settings) -> None:
    from morningai.preflight import reach_postgres, reach_redis

    reach_postgres(settings.require_database_url())
    reach_redis(settings.require_redis_url())


def _status(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from redis import Redis

    from db.pool import Database
    from morningai.status import gather, render

    settings = _settings_beside_run()
    _reach_services(settings)
    db = Database(settings.require_database_url(), max_size=1).open(wait=True)
    redis = Redis.from_url(settings.require_redis_url())
    try:
        stale_after = timedelta(seconds=settings.task_stale_seconds)
        report = gather(db, redis, stale_after=stale_after, failures=args.failures)
    finally:
        db.close()
        redis.close()
    print(render(report), end="")
    return 0


def _doctor(_: argparse.Namespace) -> int:
    from morningai.doctor import passed, render, run_checks

    checks = run_checks(_settings_beside_run())
    print(render(checks), end="")
    return 0 if passed(checks) else 1


def _locate(args: argparse.Namespace) -> int:
    from agents.code.locate import locate_main

    for path in locate_main(Path(args.repo), Path(args.issue_file), args.top):
        print(path)
    return 0


def _apply_patch(args: argparse.Namespace) -> int:
    from agents.code.apply import apply_patch_file
    from agents.code.edits import PatchError

    text = Path(args.patch_file).read_text(encoding="utf-8")
    try:
        change = apply_patch_file(Path(args.repo), text, tuple(args.forbid))
    except PatchError as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in change.paths:
        print(path)
    return 0


def _solve(args: argparse.Namespace) -> int:
    from morningai.solve import SolveError, solve

    try:
        result = solve(Path(args.repo), args.issue, diff_only=args.diff)
    except SolveError as exc:
        log.error("no change made: %s", exc)
        return 1
    if not args.diff:
        print(f"committed on branch {result}")
    return 0


def _ask(args: argparse.Namespace) -> int:
    from morningai.ask import AskError, ask

    try:
        state = ask(Path(args.repo), " ".join(args.question))
    except AskError as exc:
        log.error("no answer: %s", exc)
        return 1
    print(state.get("markdown", ""))
    return 0


def _faq(args: argparse.Namespace) -> int:
    from morningai.faq_cli import FaqCliError, mine
    from morningai.preflight import require_app

    settings = _settings_beside_run()
    require_app(settings)
    _reach_services(settings)
    try:
        task = mine(args.repo, settings)
    except FaqCliError as exc:
        log.error("nothing mined: %s", exc)
        return 1
    if task.status != "succeeded":
        log.error("task %s %s: %s", task.id, task.status, task.error)
        return 1
    print(task.pr_url or "nothing new to mine")
    return 0


def _demo(args: argparse.Namespace) -> int:
    # the demo imports the GitHub simulator, which the product never imports: it runs as its
    # own program beside the product (like bench/), in this process's place
    os.execv(sys.executable, [sys.executable, "-m", "demo", "--data-dir", args.data_dir])  # noqa: S606


def _discord_register_commands(_: argparse.Namespace) -> int:
    from chat.discord.client import DiscordClient
    from chat.errors import ChatApiError
    from core.settings import Settings

    settings = Settings()
    token = settings.discord_bot_token.get_secret_value() if settings.discord_bot_token else ""
    _require_chat_settings(
        ("DISCORD_APPLICATION_ID", settings.discord_application_id), ("DISCORD_BOT_TOKEN", token)
    )
    app_id = str(settings.discord_application_id)
    client = DiscordClient(app_id, token, base_url=settings.discord_api_url)
    try:
        stored = client.register_commands()  # chat.discord's COMMANDS, overwriting the others
    except ChatApiError as exc:  # its text names the call and Discord's code, never the token
        log.error("Discord did not register the commands: %s", exc)
        return 1
    finally:
        client.close()
    names = ", ".join(f"/{c.get('name')}" for c in stored if isinstance(c, dict)) or "none"
    print(f"Registered {len(stored)} global command(s) for application {app_id}: {names}")
    return 0


def _telegram_set_webhook(args: argparse.Namespace) -> int:
    from chat.errors import ChatApiError
    from chat.telegram.client import TelegramClient
    from core.settings import Settings

    settings = Settings()
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    secret = (
        settings.telegram_webhook_secret.get_secret_value()
        if settings.telegram_webhook_secret
        else ""
    )
    _require_chat_settings(("TELEGRAM_BOT_TOKEN", token), ("TELEGRAM_WEBHOOK_SECRET", secret))
    url = args.url or (
        settings.morningai_public_url.rstrip("/") + TELEGRAM_WEBHOOK_PATH
        if settings.morningai_public_url
        else ""
    )
    if not url:
        raise RuntimeError(
            f"give --url (https://<public host>{TELEGRAM_WEBHOOK_PATH}) or set MORNINGAI_PUBLIC_URL"
        )
    client = TelegramClient(token, base_url=settings.telegram_api_url)
    try:
        client.set_webhook(url, secret)
    except ValueError:
        raise RuntimeError(
            "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -"
        ) from None
    except ChatApiError as exc:  # its text names the method and Telegram's words, never the token
        log.error("Telegram did not set the webhook: %s", exc)
        return 1
    finally:
        client.close()
    print(
        f"Telegram will post updates to {url}, each carrying TELEGRAM_WEBHOOK_SECRET in "
        "X-Telegram-Bot-Api-Secret-Token (messages only)"
    )
    return 0


def _require_chat_settings(*settings: tuple[str, object]) -> None:
    missing = [name for name, value in settings if not value]
    if missing:
        raise RuntimeError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")


def _run(args: argparse.Namespace) -> int:
    from morningai.devrun import run_all

    return run_all(data_dir=args.data_dir, config=args.config)


def _add_chat_setup(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`morningai discord register-commands`, `morningai telegram set-webhook`."""
    discord = sub.add_parser("discord", help="the Discord application's set-up")
    discord_sub = discord.add_subparsers(dest="discord_command", required=True)
    discord_sub.add_parser(
        "register-commands", help="overwrite the global slash commands with /morningai"
    ).set_defaults(func=_discord_register_commands)
    telegram = sub.add_parser("telegram", help="the Telegram bot's set-up")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    webhook = telegram_sub.add_parser(
        "set-webhook", help="point the bot at POST /api/telegram/webhook (setWebhook)"
    )
    webhook.add_argument("--url", help=f"default: MORNINGAI_PUBLIC_URL + {TELEGRAM_WEBHOOK_PATH}")
    webhook.set_defaults(func=_telegram_set_webhook)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="morningai", description=__doc__)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    # `--debug` after the command too; SUPPRESS keeps a subcommand from resetting it to False
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser = functools.partial(sub.add_parser, parents=[common])  # type: ignore[method-assign]
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=_migrate)
    serve = sub.add_parser("serve", help="run the web app under gunicorn")
    serve.add_argument("--config", default="gunicorn_config.py")
    serve.set_defaults(func=_serve)
    worker = sub.add_parser(
        "worker", help="run an RQ worker (high, default, low) and the stop lane (high only)"
    )
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.add_argument(
        "--no-lane", action="store_true", help="without the high-only worker beside it"
    )
    worker.add_argument("--lane", action="store_true", help=argparse.SUPPRESS)
    worker.set_defaults(func=_worker)
    sub.add_parser("reconcile", help="enqueue tasks RQ lost").set_defaults(func=_reconcile)
    status = sub.add_parser("status", help="queues, running and stuck tasks, last failures")
    status.add_argument("--failures", type=int, default=10, help="how many failures to list")
    status.set_defaults(func=_status)
    sub.add_parser(
        "doctor", help="check the configuration end to end: services, App, model, web app"
    ).set_defaults(func=_doctor)
    locate = sub.add_parser("locate", help="rank a repository's files for an issue")
    locate.add_argument("--repo", required=True, help="repository directory")
    locate.add_argument("--issue-file", required=True, help="file with the issue's text")
    locate.add_argument("--top", type=int, default=10)
    locate.set_defaults(func=_locate)
    patch = sub.add_parser("apply-patch", help="apply a unified diff or SEARCH/REPLACE blocks")
    patch.add_argument("--repo", required=True, help="repository directory")
    patch.add_argument("--forbid", action="append", default=[], help="forbidden glob")
    patch.add_argument("patch_file")
    patch.set_defaults(func=_apply_patch)
    solve = sub.add_parser("solve", help="run the code agent on a local git checkout")
    solve.add_argument("--repo", required=True, help="git checkout to change")
    solve.add_argument("--diff", action="store_true", help="print the diff instead of committing")
    solve.add_argument("issue", help="the issue text: a title line, then the body")
    solve.set_defaults(func=_solve)
    asking = sub.add_parser("ask", help="answer a question about a local checkout (FAQ format)")
    asking.add_argument("--repo", default=".", help="the checkout (default: here)")
    asking.add_argument("question", nargs="+")
    asking.set_defaults(func=_ask)
    faq = sub.add_parser("faq", help="mine a repository's history into a FAQ pull request")
    faq.add_argument("--repo", required=True, help="OWNER/NAME, in an installation of the app")
    faq.set_defaults(func=_faq)
    demo = sub.add_parser("demo", help="issue → pull request, offline, in one command")
    demo.add_argument("--data-dir", default=".morningai/demo")
    demo.set_defaults(func=_demo)
    _add_chat_setup(sub)
    run = sub.add_parser("run", help="web app + worker, with embedded services when unset")
    run.add_argument("--data-dir", default=".morningai")
    run.add_argument("--config", default="gunicorn_config.py")
    run.set_defaults(func=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = bool(getattr(args, "debug", False)) or (
        os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"
    )
    configure_logging("DEBUG" if debug else None)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the boundary: words, not a traceback (README, Troubleshooting)
        return _report(exc, debug=debug)


def _report(exc: BaseException, *, debug: bool) -> int:
    from morningai.errors import explain

    explained = explain(exc)
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print(f"morningai: {explained.message}", file=sys.stderr)
    return explained.exit_code


if __name__ == "__main__":
    sys.exit(main())
