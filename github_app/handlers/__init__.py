"""One module per concern: turn an event's envelope into an intent — pure functions."""
