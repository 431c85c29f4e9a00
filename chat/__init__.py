"""MorningAI's face to the chat platforms (Slack, Discord, Telegram): signature checks, inbound
payloads parsed into frozen intents, one command grammar, rendering within each platform's
limits, and the outbound clients. No database, no Flask: `web` and `jobs` build on it."""
