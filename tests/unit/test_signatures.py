"""Batch signature checks in child processes: same answers as in-process, in order, and a
lost child costs a retry, never a wrong answer."""

import multiprocessing
from concurrent.futures.process import BrokenProcessPool

import pytest

from alliance_connector.signing import SigningKey, pae
from hub.pipeline import signatures
from hub.pipeline.signatures import SignatureCheck, SignatureVerifier, verify_all

KIND = "application/vnd.alliance.credit-signal.v1+avro"
KEY = SigningKey.from_seed(bytes(range(32)))
OTHER = SigningKey.from_seed(bytes(range(1, 33)))


def check(body: bytes, key: SigningKey = KEY, signer: SigningKey = KEY) -> SignatureCheck:
    return SignatureCheck(key.verify_key.raw, pae(KIND, body), signer.sign(KIND, body))


def mixed_batch(size: int) -> tuple[list[SignatureCheck], list[bool]]:
    """Valid, tampered, wrong-key and malformed checks, interleaved, with the right answers."""
    checks, expected = [], []
    for n in range(size):
        body = f"signal {n}".encode()
        good = check(body)
        kind = n % 4
        if kind == 0:
            checks.append(good)
        elif kind == 1:
            checks.append(good._replace(signed=pae(KIND, body + b"!")))
        elif kind == 2:
            checks.append(check(body, key=OTHER))
        else:
            checks.append(good._replace(public_key=b"short"))
        expected.append(kind == 0)
    return checks, expected


def test_verify_all_tells_good_from_bad() -> None:
    checks, expected = mixed_batch(8)
    assert verify_all(checks) == expected
    assert expected.count(True) == 2


@pytest.mark.parametrize("processes", [0, 1, 2])
def test_children_answer_like_this_process_in_order(processes: int) -> None:
    checks, expected = mixed_batch(101)  # an odd size: unequal shares
    verifier = SignatureVerifier(processes)
    try:
        verifier.warm_up()
        assert verifier.verify(checks) == expected
        assert verifier.start(checks[:7]).result() == expected[:7]
        assert verifier.verify([]) == []
    finally:
        verifier.close()
    assert not multiprocessing.active_children()


def test_a_killed_child_is_replaced_and_its_batch_checked_again() -> None:
    checks, expected = mixed_batch(40)
    verifier = SignatureVerifier(1)
    try:
        verifier.warm_up()
        (child,) = multiprocessing.active_children()
        child.kill()
        child.join()
        assert verifier.verify(checks) == expected
        assert verifier.processes == 1
        (replacement,) = multiprocessing.active_children()
        assert replacement.pid != child.pid
    finally:
        verifier.close()


class _BrokenPool:
    """A process pool whose children always die."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def submit(self, *args: object) -> None:
        raise BrokenProcessPool("a child died")

    def shutdown(self, **kwargs: object) -> None:
        pass


def test_children_that_keep_failing_give_way_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signatures, "ProcessPoolExecutor", _BrokenPool)
    checks, expected = mixed_batch(12)
    verifier = SignatureVerifier(2)
    assert verifier.verify(checks) == expected
    assert verifier.processes == 0
