"""The directory `serve --workers N` shares between its workers.

uvicorn's supervisor starts the workers, so they cannot be handed shared objects; they get
this directory's path in SAGEGATE_RUN_DIR instead (as the options travel in
SAGEGATE_SERVE_CONFIG). In it the limits have their shared map (`shared_limits`), and each
worker publishes what the console and `/_sagegate/metrics` show of it (its metrics and its
latest requests) as `KIND-PID.json`, replaced whole (written aside, then renamed), so a
reader never sees half a document. A worker that died leaves its last documents: its
requests were served, and still count.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

RUN_DIR_ENV = "SAGEGATE_RUN_DIR"


def run_dir_from_env() -> Path | None:
    """The shared directory of this worker's server, or None (one process, no sharing)."""
    path = os.environ.get(RUN_DIR_ENV)
    return Path(path) if path else None


class RunDir:
    """One worker's view of the shared directory: what it publishes, what the others did."""

    def __init__(self, path: Path, pid: int | None = None) -> None:
        self.path = path
        self.pid = os.getpid() if pid is None else pid

    def publish(self, kind: str, document: Any) -> None:
        """Replace this worker's `kind` document."""
        final = self.path / f"{kind}-{self.pid}.json"
        aside = self.path / f".{kind}-{self.pid}.json.tmp"
        aside.write_bytes(orjson.dumps(document))
        os.replace(aside, final)

    def gather(self, kind: str) -> list[Any]:
        """Every other worker's latest `kind` document (unreadable ones skipped)."""
        documents = []
        for path in sorted(self.path.glob(f"{kind}-*.json")):
            if path.name == f"{kind}-{self.pid}.json":
                continue
            try:
                documents.append(orjson.loads(path.read_bytes()))
            except (OSError, orjson.JSONDecodeError):
                continue  # gone or replaced between the listing and the read
        return documents
