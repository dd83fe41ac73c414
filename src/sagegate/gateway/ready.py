"""`serve --workers N` says "ready" once every worker serves.

uvicorn's supervisor starts the workers and prints nothing when they are up; scripts wait for
our ready line. Each worker, once its lifespan startup is complete, sends one datagram to a
socket the supervisor's process made; a thread there prints the line when all N have.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import threading
from types import TracebackType

READY_ENV = "SAGEGATE_READY_SOCKET"


def notify_ready() -> None:
    """Tell the supervisor this worker serves (no-op outside `serve --workers N`)."""
    path = os.environ.get(READY_ENV)
    if not path:
        return
    # OSError: the supervisor is gone, and nobody is waiting for the line.
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock, contextlib.suppress(OSError):
        sock.sendto(b"ready", path)


class ReadyWatch:
    """Prints `message` once `workers` workers have said they serve."""

    def __init__(self, workers: int, message: str) -> None:
        self.workers = workers
        self.message = message
        self._dir = tempfile.TemporaryDirectory(prefix="sagegate-ready-")
        self.path = os.path.join(self._dir.name, "ready.sock")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(self.path)
        self._thread = threading.Thread(target=self._watch, name="sagegate-ready", daemon=True)

    def _watch(self) -> None:
        seen = 0
        while seen < self.workers:
            try:
                self._sock.recv(16)
            except OSError:
                return  # closed: the server stopped before every worker was up
            seen += 1
        print(self.message, file=sys.stderr, flush=True)

    def __enter__(self) -> ReadyWatch:
        os.environ[READY_ENV] = self.path
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        os.environ.pop(READY_ENV, None)
        self._sock.close()
        self._dir.cleanup()
