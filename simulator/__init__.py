"""A GitHub fake served over real HTTP and backed by real git repositories, for tests."""

from simulator.contract import OpenAPIContract, default_spec_path
from simulator.core import GitHubSimulator
from simulator.exchanges import Exchange

__all__ = ["Exchange", "GitHubSimulator", "OpenAPIContract", "default_spec_path"]
