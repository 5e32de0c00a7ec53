"""``make bench``: every benchmark, or those named (``python -m bench knox hotspots``).

Each reports its figures as ratios against a baseline measured in the same run, because the
machine is noisy.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["scope_filter", "hotspots", "knox", "import_incidents", "imports"]
#: Run only when named: they build databases of millions of rows or start a server.
ON_REQUEST = ["national", "load"]
VALUED_OPTIONS = ("--sizes", "--size", "--seconds", "--users", "--think", "--coordinators")


def main(arguments: list[str]) -> None:
    # Options ("--sizes 300k") are the named benchmarks' own: they read them from sys.argv.
    names = [
        argument
        for index, argument in enumerate(arguments)
        if not argument.startswith("--") and not (index and arguments[index - 1] in VALUED_OPTIONS)
    ]
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS + ON_REQUEST:
            choices = ", ".join(BENCHMARKS + ON_REQUEST)
            raise SystemExit(f"unknown benchmark {name!r}; choose from {choices}")
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
