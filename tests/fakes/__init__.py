"""Shared test doubles and real-data loaders for the MorningAI test suite."""
