"""The worker benchmark, same as `alliance-hub bench` (see hub/benchmark.py for what it measures).

python bench/worker.py [--count 20000] [--rate 1000] [--seconds 10] [--every 10] [--json]
"""

import sys

from hub.cli.main import app

if __name__ == "__main__":
    app(["bench", *sys.argv[1:]])
