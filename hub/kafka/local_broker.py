"""Start and stop the bundled single-node broker (deploy/kafka/broker) when no bootstrap is
configured.

The shell script owns the broker's life; this module only runs it and reads its answer. On
`start` stdout ends with "started" or "running" (did this call start it?) and then the bootstrap
address; stderr carries "broker: ..." lines saying what it is doing, which are passed to `say`
as they come, so a first start that fetches the jars with Maven is never a silent minute. On
failure stderr's last line is the one to show.
"""

import queue
import subprocess  # noqa: S404 - runs our own script with fixed arguments
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hub.errors import LocalBrokerError

__all__ = ["LocalBroker", "Say", "start_local_broker", "stop_local_broker", "to_stderr"]

Say = Callable[[str], None]


def to_stderr(line: str) -> None:
    """The default `say`: the script's progress lines go where it wrote them, to stderr."""
    print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class LocalBroker:
    """A broker to use: its bootstrap address, whether this call started it (only then is it
    the caller's to stop: one found running is someone else's) and its profile."""

    bootstrap: str
    started: bool
    sasl: bool = False


@dataclass(frozen=True)
class _Finished:
    returncode: int
    stdout: list[str]
    last_stderr: str | None


def start_local_broker(
    script: Path, *, sasl: bool = False, say: Say = to_stderr, timeout_s: float = 300
) -> LocalBroker:
    """Start (or find running) the local broker, passing its progress lines to `say`."""
    done = _run(script, "start", sasl, say, timeout_s)
    if done.returncode != 0 or not done.stdout:
        raise LocalBrokerError(done.last_stderr or f"{script} start exited {done.returncode}")
    # No "started" line (an older script) reads as "running": never stop what may not be ours.
    started = len(done.stdout) >= 2 and done.stdout[-2] == "started"
    return LocalBroker(done.stdout[-1], started=started, sasl=sasl)


def stop_local_broker(
    script: Path, *, sasl: bool = False, say: Say = to_stderr, timeout_s: float = 60
) -> None:
    """Stop the local broker of that profile (the script waits up to 30 s for a clean stop)."""
    done = _run(script, "stop", sasl, say, timeout_s)
    if done.returncode != 0:
        raise LocalBrokerError(done.last_stderr or f"{script} stop exited {done.returncode}")


def _run(script: Path, command: str, sasl: bool, say: Say, timeout_s: float) -> _Finished:
    if not script.is_file():
        raise LocalBrokerError(
            f"no local broker script at {script}: run from a source checkout or set "
            "HUB_KAFKA_BOOTSTRAP"
        )
    args = [str(script), command, *(["--sasl"] if sasl else [])]
    process = subprocess.Popen(  # noqa: S603
        args,
        stdin=subprocess.DEVNULL,  # Maven must never wait on the terminal
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    # Threads read both pipes, so neither fills while the other is read and a child that keeps
    # one open (Maven, after the script got SIGTERM) cannot hold the caller past its deadline.
    # `say` is still called from the caller's own thread.
    said = _Pipe(process.stderr)
    answer = _Pipe(process.stdout)
    deadline = time.monotonic() + timeout_s
    last: str | None = None
    try:
        while (line := said.next_line(process, deadline)) is not None:
            if line := line.strip():
                last = line
                say(line)
        returncode = process.wait(timeout=max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        _end(process)  # SIGTERM first: the script's trap stops a broker it was starting
        raise LocalBrokerError(
            f"{script} {command} did not answer within {timeout_s:.0f}s"
        ) from None
    except BaseException:  # a Ctrl-C in the caller, or a failing `say`: leave no script behind
        _end(process)
        raise
    stdout = [x.strip() for x in answer.rest(grace_s=2) if x.strip()]
    return _Finished(returncode, stdout, last)


class _Pipe:
    """One of the script's output pipes, read line by line by a daemon thread."""

    def __init__(self, stream: IO[str] | None) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()  # None marks the end
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str] | None) -> None:
        if stream is not None:
            with stream:
                for line in stream:
                    self._lines.put(line)
        self._lines.put(None)

    def next_line(self, process: "subprocess.Popen[str]", deadline: float) -> str | None:
        """The next line; None at the end, or 2 s after the script exited with a child still
        holding the pipe. TimeoutExpired past the deadline."""
        exited_at: float | None = None
        while (now := time.monotonic()) < deadline:
            try:
                return self._lines.get(timeout=min(deadline - now, 0.2))
            except queue.Empty:
                if process.poll() is not None:
                    exited_at = exited_at or now
                    if now - exited_at > 2:
                        return None
        raise subprocess.TimeoutExpired(process.args, 0)

    def rest(self, grace_s: float) -> list[str]:
        """Every line up to the end, waiting at most `grace_s` for each."""
        found: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=grace_s)
            except queue.Empty:
                return found
            if line is None:
                return found
            found.append(line)


def _end(process: "subprocess.Popen[str]") -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
