"""The chat platforms' APIs as fakes over real HTTP, for tests (like simulator/ for GitHub):

    with SlackFake() as slack, DiscordFake() as discord, TelegramFake() as telegram:
        token = slack.add_team("T1")                      # an installed workspace's bot token
        SlackClient(token, base_url=slack.api_url).post_message("C1", render(message))
        assert slack.messages[0].channel == "C1"
        slack.rate_limit("chat.postMessage", times=2, retry_after=1)
        slack.send_event(app_url + "/api/slack/events", payload)     # signed as Slack signs

Each records what it received, checks credentials as its platform does, enforces the message
limits, answers 429 on demand, and sends signed inbound requests to an app. The product never
imports this package."""

from chatfakes.discord import DiscordFake
from chatfakes.slack import SlackFake
from chatfakes.telegram import TelegramFake

__all__ = ["DiscordFake", "SlackFake", "TelegramFake"]
