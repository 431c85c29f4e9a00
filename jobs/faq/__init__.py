"""FAQ tasks: documents for a pull request, history mining, stale entries, answers; and the
memory they read and write."""
