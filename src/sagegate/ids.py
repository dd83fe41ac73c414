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
    raw = random16 if random16 is not None else random_bytes(16)
    h = raw.hex()
    variant = "89ab"[raw[8] & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"
