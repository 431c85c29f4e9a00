"""Benchmarks of the real services; each module runs as `python -m bench.<name>`."""
