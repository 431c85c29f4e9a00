"""RQ job entry points and the queue plumbing around them."""
