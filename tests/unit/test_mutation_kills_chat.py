"""Chat signature headers by the names the platforms document, written out here rather than
read from the module under test: mutation testing (bench/mutation.py, MUTATION_TESTING.md)
showed a renamed header constant passing every test that used the constant on both sides."""

from __future__ import annotations

from chat.telegram import secret as telegram


def test_telegram_reads_the_documented_secret_header() -> None:
    # https://core.telegram.org/bots/api#setwebhook
    secret = "s3cr3t_TOKEN-1"
    assert telegram.verify(secret, {"X-Telegram-Bot-Api-Secret-Token": secret}).ok
    assert telegram.verify(secret, {"x-telegram-bot-api-secret-token": secret}).ok
    refused = telegram.verify(secret, {"X-Telegram-Secret": secret})
    assert (refused.ok, refused.reason) == (False, "missing secret header")
