"""A GitHub fake served over real HTTP and backed by real git repositories, for tests.

    with GitHubSimulator(tmp_path) as sim:              # 127.0.0.1, a free port
        inst = sim.add_installation("octo-org")
        sim.create_repo("octo-org", "hello", installation_id=inst, files={"a.py": "x = 1\n"})
        gh = GitHub(AppInstallationAuthStrategy(sim.app_id, sim.private_key_pem, inst),
                    base_url=sim.url)
        ...
        assert sim.contract_violations() == []          # GitHub's OpenAPI description

`simulator.openai_server` is the scripted model server (a separate fake).
"""

from simulator.contract import OpenAPIContract, default_spec_path
from simulator.core import GitHubSimulator
from simulator.exchanges import Exchange

__all__ = ["Exchange", "GitHubSimulator", "OpenAPIContract", "default_spec_path"]
