"""`alliance-hub keys generate`: a 0600 private key file and the public half printed."""

import stat
import subprocess
import sys
from pathlib import Path

from alliance_connector.signing import SigningKey


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args], capture_output=True, text=True, check=False
    )


def test_generate_writes_owner_only_key_and_prints_its_public_half(tmp_path: Path) -> None:
    path = tmp_path / "shop-a.pem"
    done = run_cli("keys", "generate", "--out", str(path))
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    printed = dict(line.split(": ", 1) for line in done.stdout.strip().splitlines())
    key = SigningKey.load(path)
    assert printed == {"key_id": key.key_id, "public_key_b64": key.verify_key.b64}
    assert "PRIVATE KEY" not in done.stdout + done.stderr


def test_generate_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    path = tmp_path / "shop-a.pem"
    path.write_text("precious")
    done = run_cli("keys", "generate", "--out", str(path))
    assert done.returncode == 1
    assert "refusing to overwrite" in done.stderr
    assert path.read_text() == "precious"
