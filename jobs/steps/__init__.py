"""Steps the task kinds share: the status comment, the repository's rules, safe snapshots, the
model adapters."""
