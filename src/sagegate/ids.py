"""Request and trace ids: unique, AWS-shaped, and cheap.

`os.urandom` is a system call (measured here at several µs under load, twice per request);
ids must be unique, not secret, so they come from one PRNG seeded from the OS and reseeded in
every forked worker, so two workers never share a sequence.
"""

from __future__ import annotations

import os
import random

_rng = random.Random(os.urandom(32))


def _reseed() -> None:
    _rng.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def random_bytes(count: int) -> bytes:
    """`count` random bytes for ids (not for keys or secrets)."""
    return _rng.getrandbits(count * 8).to_bytes(count, "little")


def uuid4(random16: bytes | None = None) -> str:
    """A version-4 UUID string, as `str(uuid.uuid4())` gives, from 16 random bytes."""
    return uuid4_of_hex((random16 if random16 is not None else random_bytes(16)).hex())


# The variant digit (RFC 4122: 8, 9, a or b) from the low two bits of the 9th byte, which
# are those of its second hex digit.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid4_of_hex(random_hex: str) -> str:
    """`uuid4` of the 16 bytes whose lowercase hex is the first 32 characters of `random_hex`.

    For a caller that has hex already: one `bytes.hex()` serves every id of a request.
    """
    h = random_hex
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[17]]}{h[17:20]}-{h[20:32]}"
