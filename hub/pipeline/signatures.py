"""Checking a batch's Ed25519 signatures, in child processes.

A signature check is the costliest step of a record and needs nothing but bytes: the signer's
raw public key, the signed bytes (the PAE of the envelope's signed part) and the signature. Sent to
a child process, it costs one small pickle per batch each way and runs beside the worker's
Python work instead of taking turns with it under one interpreter lock. Everything that reads
what a record says stays in the worker and runs only after its signature verified.
"""

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

from alliance_connector.signing import verify_strict

__all__ = ["SignatureCheck", "SignatureVerifier", "Verification", "verify_all"]

log = logging.getLogger(__name__)

# Children lost this many times in a row (none of their batches came back in between) are not
# started again.
GIVE_UP_AFTER = 3


class SignatureCheck(NamedTuple):
    public_key: bytes  # raw 32 bytes, as registered
    signed: bytes  # the exact bytes the signature covers (wire contract §5)
    signature: bytes


def verify_all(checks: Sequence[SignatureCheck]) -> list[bool]:
    """Whether each signature verifies by the contract's strict rule; a malformed key or
    signature simply does not."""
    return [verify_strict(*check) for check in checks]


def _end_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)  # the worker is gone (killed, say): its batches went with it


def _start_child(parent: int) -> None:
    # Ctrl-C reaches the whole process group; the worker decides when its children stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker killed outright (SIGKILL) never tells its children to stop: they notice.
    threading.Thread(target=_end_with_parent, args=(parent,), daemon=True).start()


class SignatureVerifier:
    """Verifies batches in `processes` child processes, each taking an equal share of a batch;
    with 0 processes, in the calling thread. A child that dies is replaced and its batch
    verified again; if children keep failing, verification carries on in this process
    (slower, never wrong)."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._losses = 0

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Spawned, not forked: the worker has Kafka client threads a fork would copy
            # mid-flight.
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(os.getpid(),),
            )
        return self._pool

    def warm_up(self) -> None:
        """Start the children now (a spawned interpreter takes a moment to import), so the
        first batch does not wait for them."""
        if self.processes > 0:
            self.verify([SignatureCheck(b"", b"", b"")] * self.processes)

    def start(self, checks: Sequence[SignatureCheck]) -> "Verification":
        """Begin verifying `checks`; the caller goes on with other work meanwhile."""
        checks = list(checks)
        if self.processes < 1 or not checks:
            return Verification(self, checks, done=verify_all(checks))
        try:
            pool = self._started()
            share = -(-len(checks) // self.processes)
            futures = [
                pool.submit(verify_all, checks[start : start + share])
                for start in range(0, len(checks), share)
            ]
        except (BrokenProcessPool, OSError) as exc:
            return Verification(self, checks, done=self.recover(exc, checks))
        return Verification(self, checks, futures=futures)

    def verify(self, checks: Sequence[SignatureCheck]) -> list[bool]:
        """Whether each signature verifies, in order."""
        return self.start(checks).result()

    def recover(self, exc: BaseException, checks: list[SignatureCheck]) -> list[bool]:
        """After a child died or could not start: verify `checks` again with fresh children,
        or in this process once children failed several times in a row."""
        self.close()
        self._losses += 1
        if self._losses >= GIVE_UP_AFTER:
            log.warning("signature checking processes keep failing; checking in this process")
            self.processes = 0
        else:
            log.warning("signature checking process lost (%s); restarting", type(exc).__name__)
        return self.verify(checks)

    def succeeded(self) -> None:
        self._losses = 0

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class Verification:
    """A batch's signature checks under way; `result()` waits for them."""

    def __init__(
        self,
        verifier: SignatureVerifier,
        checks: list[SignatureCheck],
        futures: list["Future[list[bool]]"] | None = None,
        done: list[bool] | None = None,
    ) -> None:
        self._verifier = verifier
        self._checks = checks
        self._futures = futures or []
        self._done = done

    def result(self) -> list[bool]:
        """Whether each signature verifies, in order."""
        if self._done is None:
            try:
                self._done = [ok for future in self._futures for ok in future.result()]
            except (BrokenProcessPool, OSError) as exc:
                self._done = self._verifier.recover(exc, self._checks)
            else:
                self._verifier.succeeded()
        return self._done
