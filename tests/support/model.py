"""The scripted model server's replies for the code agent, and settings that point at one."""

from __future__ import annotations

from core.settings import Settings
from simulator.openai_server import ScriptedModelServer

# the plan and the edit that make `greet` in APP (tests/support/simulated.py) say Hello
PLAN = "- In `app.py`, make `greet` say Hello.\nTitle: Greet people politely"
EDIT = """app.py
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'Hello, ' + name + '!'
>>>>>>> REPLACE
"""
# the same fix with a test of it
FIX = """app.py
<<<<<<< SEARCH
    return 'hey ' + name
=======
    return 'Hello, ' + name + '!'
>>>>>>> REPLACE

test_app.py
<<<<<<< SEARCH
=======
import unittest

from app import greet


class Greet(unittest.TestCase):
    def test_polite(self):
        self.assertEqual(greet("Ada"), "Hello, Ada!")
>>>>>>> REPLACE
"""


def settings_for(server: ScriptedModelServer) -> Settings:
    return Settings(
        _env_file=None,
        openai_api_key="sk-test",  # type: ignore[call-arg]
        openai_base_url=server.base_url,
        morningai_model="gpt-4.1-mini",
    )
