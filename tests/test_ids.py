import os
import uuid

from sagegate.ids import random_bytes, uuid4


def test_uuid4_is_a_well_formed_version_4_uuid() -> None:
    for _ in range(2000):
        text = uuid4()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_ids_do_not_repeat() -> None:
    assert len({uuid4() for _ in range(10_000)}) == 10_000
    assert len(random_bytes(48)) == 48


def test_a_forked_worker_draws_a_different_sequence() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its next id and leave at once
        os.write(write, uuid4().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert child != uuid4()
    assert uuid.UUID(child).version == 4


def test_uuid4_of_hex_is_uuid4_of_the_same_bytes() -> None:
    from sagegate.ids import uuid4_of_hex

    for byte8 in range(256):  # every variant digit
        raw = random_bytes(8) + bytes([byte8]) + random_bytes(7)
        assert uuid4_of_hex(raw.hex() + "ffff") == uuid4(raw)
        assert uuid.UUID(uuid4(raw)).variant == uuid.RFC_4122
