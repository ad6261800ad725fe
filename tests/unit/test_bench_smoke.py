"""The benchmarks still run (tiny counts): figures are printed, never asserted as timings."""

import json
import subprocess
import sys

from hub.config import SOURCE_ROOT


def test_wire_bench_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, str(SOURCE_ROOT / "bench" / "wire.py"), "--count", "50", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["count"] == 50
    for name in ("encode_sign_per_s", "verify_decode_per_s", "raw_sign_per_s", "raw_verify_per_s"):
        assert figures[name] > 0
