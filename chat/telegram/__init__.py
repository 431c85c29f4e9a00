"""Telegram: the webhook secret token, update parsing, HTML messages, the Bot API."""
