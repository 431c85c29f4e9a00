"""Chat tasks and the chat sink: questions asked from Slack, Discord or Telegram answered in
their thread, and a task's start, end and notifications posted to the chats that asked or
subscribed."""
