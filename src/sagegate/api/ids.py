"""Ids the local API gives what AWS would name: stable, made from a logical name."""

from __future__ import annotations

import base64
import hashlib


def physical_id(logical_id: str, length: int = 10) -> str:
    """A stable lowercase alphanumeric id for a logical id, like AWS's generated ids."""
    digest = hashlib.sha256(logical_id.encode()).digest()
    return base64.b32encode(digest).decode().lower().replace("=", "")[:length]
