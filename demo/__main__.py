"""`python -m demo [--data-dir DIR]`: one issue → pull request round, offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.logs import configure_logging
from demo import run_demo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--data-dir", default=".morningai/demo")
    args = parser.parse_args(argv)
    configure_logging()
    return run_demo(Path(args.data_dir))


if __name__ == "__main__":
    sys.exit(main())
