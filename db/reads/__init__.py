"""Read models for people: task lists, timelines, usage, trouble; tenant-scoped but `operator`."""
