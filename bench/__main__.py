"""``make bench``: every benchmark, or those named (``python -m bench knox hotspots``).

Each reports its figures as ratios against a baseline measured in the same run, because the
machine is noisy.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["scope_filter", "hotspots", "knox", "import_incidents", "imports"]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
