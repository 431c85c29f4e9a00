"""Code tasks: issue to pull request, revising MorningAI's pull requests, stopping them."""
