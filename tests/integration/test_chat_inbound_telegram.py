"""Telegram's webhook over real HTTP, the Telegram fake sending updates with the secret token
setWebhook set: a wrong or missing secret is 401 and stores nothing, an update is handled once
whatever Telegram redelivers, `/ask` in a linked chat queues one `chat_ask` task, `/start CODE`
links, `/code` from an unlinked user is told how to link, and no secret is ever echoed."""

from __future__ import annotations

import httpx
import pytest

from core.subject import ChatThread, TaskSubject
from tests.support.chat import ChatRig

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("no_sessions", "clean_db")]
GROUP = -100123


def test_a_wrong_or_missing_secret_is_401_and_stores_nothing(rig: ChatRig) -> None:
    rig.link("a", "telegram", str(GROUP))
    update = rig.telegram.message_update("/ask acme/widgets how?", chat_id=GROUP, chat_type="group")
    for secret in ("", "not-the-secret", "tg-webhook-secret_0123456789abcdeF"):
        answer = rig.telegram_send(update, secret=secret)
        assert answer.status_code == 401, secret
    assert (rig.count("chat_deliveries"), rig.count("tasks")) == (0, 0)


def test_an_ask_in_a_linked_chat_queues_one_task_whatever_is_redelivered(rig: ChatRig) -> None:
    workspace = rig.link("a", "telegram", str(GROUP))
    update = rig.telegram.message_update(
        "/ask@MorningAIBot acme/widgets how do widgets spin?", chat_id=GROUP, chat_type="group"
    )
    first = rig.telegram_send(update)
    rig.owner.execute("UPDATE tasks SET status = 'succeeded'")  # only de-duplication remains
    again = rig.telegram_send(update)
    assert (first.status_code, first.json(), again.status_code) == (200, {}, 200)
    (task,) = rig.tasks()
    asked = TaskSubject.decode(task[4])
    message_id = update["message"]["message_id"]
    assert (task[2], asked.repository, asked.requested_by, asked.instructions) == (
        "chat_ask", "acme/widgets", "telegram:42", "how do widgets spin?"
    )  # fmt: skip
    assert asked.reply_to == ChatThread("telegram", workspace, str(GROUP), str(message_id))
    assert [d[0] for d in rig.deliveries("telegram")] == [str(update["update_id"])]
    other_bot = rig.telegram.message_update("/ask@OtherBot acme/widgets x?", chat_id=GROUP)
    assert rig.telegram_send(other_bot).json() == {}
    assert rig.count("tasks") == 1


def test_start_with_a_code_links_the_chat_once(rig: ChatRig) -> None:
    code = rig.code("a", "workspace", "telegram")
    start = rig.telegram.message_update(f"/start {code}", chat_id=GROUP, chat_type="group")
    answer = rig.telegram_send(start).json()
    assert rig.telegram_send(start).json() == {}  # redelivered: recorded once, said once
    assert answer["method"] == "sendMessage"
    assert answer["chat_id"] == GROUP
    assert answer["text"].startswith("This Telegram workspace is now linked")
    assert "`" not in answer["text"]  # plain text: no Markdown shown raw
    reused = rig.telegram.message_update(f"/link {code}", chat_id=-100999, chat_type="group")
    assert "unknown, used or expired" in rig.telegram_send(reused).json()["text"]
    rows = rig.owner.execute("SELECT external_id, tenant_id FROM chat_workspaces").fetchall()
    assert rows == [(str(GROUP), rig.world["tenant_a"])]
    assert [d[0] for d in rig.deliveries("telegram")] == [
        str(start["update_id"]),
        str(reused["update_id"]),
    ]


def test_code_from_an_unlinked_user_starts_nothing_and_says_how_to_link(rig: ChatRig) -> None:
    rig.link("a", "telegram", str(GROUP))
    update = rig.telegram.message_update("/code acme/widgets#3", chat_id=GROUP, user_id=77)
    answer = rig.telegram_send(update).json()
    assert "/link <code>" in answer["text"]
    assert answer["reply_parameters"]["message_id"] == update["message"]["message_id"]
    assert rig.count("tasks") == 0


def test_a_malformed_update_after_the_secret_is_a_400_recorded_as_rejected(
    rig: ChatRig,
) -> None:
    url = rig.url + "/api/telegram/webhook"
    headers = {"X-Telegram-Bot-Api-Secret-Token": rig.telegram.webhook_secret}
    for body in (b"{nope", b'{"message": {}}', b"[]"):
        assert rig.keep(httpx.post(url, content=body, headers=headers)).status_code == 400
    assert [d[2] for d in rig.deliveries("telegram")] == ["rejected"] * 3
