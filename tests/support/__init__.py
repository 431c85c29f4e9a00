"""Helpers, constants and scripted model replies shared by test modules, which never import
one another (an import contract in pyproject.toml holds them to it)."""
