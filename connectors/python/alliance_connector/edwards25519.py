"""The Ed25519 edge cases the literature names, checked without trusting any one library.

Ed25519 libraries disagree on keys and signatures that honest signers never make (Chalkias,
Garillot and Nikolaenko, "Taming the many EdDSAs", 2020): small-order points, points with a
small-order component ("mixed order"), encodings of a coordinate at or above p, and scalars at
or above L. A small-order public key is the dangerous one: with the identity as key, the
signature R = identity, S = 0 verifies for every message. So the contract's rule
(docs/wire-contract.md §5) is:

- a public key is accepted only if it is the canonical encoding of a point of the prime-order
  subgroup other than the identity (`check_public_key`, run once, when a key is registered or
  pinned);
- a signature is accepted only if S < L and R is not the encoding of a small-order point
  (`signature_is_strict`, run before every verification); the verification equation itself is
  RFC 8032's cofactorless one, which OpenSSL computes by comparing encodings, so a
  non-canonical R never verifies either.

Point arithmetic here is plain Python in extended coordinates (RFC 8032 §5.1.4): slow (a few
milliseconds a key) but only ever run on public values, once per key.
"""

from functools import cache

from alliance_connector.errors import ConnectorError

__all__ = [
    "GROUP_ORDER",
    "SMALL_ORDER_ENCODINGS",
    "WeakPublicKey",
    "check_public_key",
    "signature_is_strict",
]

P = 2**255 - 19
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493  # L, the prime subgroup's order
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
_IDENTITY = (0, 1, 1, 0)

Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z


class WeakPublicKey(ConnectorError, ValueError):
    """A public key that must not be registered or pinned; the message names the rule."""


def _add(a: Point, b: Point) -> Point:
    # RFC 8032 §5.1.4; complete for Ed25519 (it also doubles).
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar: int, point: Point) -> Point:
    result = _IDENTITY
    while scalar:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _is_identity(point: Point) -> bool:
    x, y, z, _ = point
    return x % P == 0 and (y - z) % P == 0


def _recover_x(y: int, sign: int) -> int | None:
    """RFC 8032 §5.1.3 step 2-4, without its canonical checks (callers do those)."""
    y2 = y * y % P
    x2 = (y2 - 1) * pow(D * y2 + 1, -1, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x % 2 != sign:
        x = (P - x) % P
    return x


def _encode(point: Point) -> bytes:
    x, y, z, _ = point
    inverse = pow(z, -1, P)
    x, y = x * inverse % P, y * inverse % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _decode(raw: bytes) -> Point:
    """The point `raw` encodes, refusing every encoding but the canonical one."""
    if len(raw) != 32:
        raise WeakPublicKey(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    number = int.from_bytes(raw, "little")
    y, sign = number & ((1 << 255) - 1), number >> 255
    if y >= P:
        raise WeakPublicKey("not a canonical encoding: the y coordinate is not below p")
    x = _recover_x(y, sign)
    if x is None:
        raise WeakPublicKey("not the encoding of a point on the curve")
    if x == 0 and sign:
        raise WeakPublicKey("not a canonical encoding: x is 0 but its sign bit is set")
    return (x, y, 1, x * y % P)


@cache
def check_public_key(raw: bytes) -> None:
    """Raise WeakPublicKey unless `raw` canonically encodes a point of prime order L."""
    point = _decode(raw)
    if _is_identity(_multiply(8, point)):
        raise WeakPublicKey("a point of small order (it divides 8)")
    if not _is_identity(_multiply(GROUP_ORDER, point)):
        raise WeakPublicKey("a point outside the prime-order subgroup (mixed order)")


def _small_order_points() -> list[Point]:
    """The 8 points whose order divides 8: multiples of one point of order 8."""
    y = 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7  # known order 8
    x = _recover_x(y, 0)
    assert x is not None  # noqa: S101 - a constant of the curve
    generator = (x, y, 1, x * y % P)
    return [_multiply(k, generator) for k in range(8)]


def _all_encodings(point: Point) -> set[bytes]:
    """Every 32-byte string a lax decoder reads as `point`: y or y + p, either sign if x = 0."""
    canonical = int.from_bytes(_encode(point), "little")
    y, sign = canonical & ((1 << 255) - 1), canonical >> 255
    ys = [y] + ([y + P] if y + P < 1 << 255 else [])
    signs = [0, 1] if point[0] % P == 0 else [sign]
    return {(v | s << 255).to_bytes(32, "little") for v in ys for s in signs}


SMALL_ORDER_ENCODINGS: frozenset[bytes] = frozenset(
    encoding for point in _small_order_points() for encoding in _all_encodings(point)
)


def signature_is_strict(signature: bytes) -> bool:
    """False for a signature whose R encodes a small-order point or whose S is not below L:
    refused before the verification equation is even computed."""
    if len(signature) != 64:
        return False
    if signature[:32] in SMALL_ORDER_ENCODINGS:
        return False
    return int.from_bytes(signature[32:], "little") < GROUP_ORDER
