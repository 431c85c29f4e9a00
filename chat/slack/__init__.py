"""Slack: request signatures, Events API and slash-command parsing, Block Kit, the Web API."""
