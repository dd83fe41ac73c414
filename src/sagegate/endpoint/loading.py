"""One model directory and where its model is in its life: pending, loading, ready, failed."""

from __future__ import annotations

import asyncio
import enum
import logging
from pathlib import Path

from sagegate.endpoint.handler import InferenceHandler, ModelLoadError

logger = logging.getLogger("sagegate.endpoint")


class LoadState(enum.Enum):
    """Where a model is in its life."""

    PENDING = "pending"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"


class LoadedModel:
    """A model directory, its loading state, and once loaded its handler.

    `name` names it in logs and module names: the endpoint's name, or ``endpoint/model`` for a
    model of a multi-model endpoint.
    """

    __slots__ = ("failure", "handler", "inline_max_bytes", "model_dir", "name", "state", "task")

    def __init__(self, name: str, model_dir: Path) -> None:
        self.name = name
        self.model_dir = model_dir
        self.state = LoadState.PENDING
        self.handler: InferenceHandler | None = None
        # Bodies up to this size are predicted on the event loop (0: never); see host._inline.
        self.inline_max_bytes = 0
        self.failure: ModelLoadError | None = None
        self.task: asyncio.Future[None] | None = None

    def load(self) -> None:
        """Import the script and run model_fn (on a loading thread); never raises."""
        try:
            handler = InferenceHandler(self.name, self.model_dir)
        except ModelLoadError as exc:
            self.failure = exc
            self.state = LoadState.FAILED
            logger.error("model %s: %s", self.name, exc)
        except Exception as exc:
            self.failure = ModelLoadError(self.model_dir, f"{type(exc).__name__}: {exc}")
            self.state = LoadState.FAILED
            logger.exception("model %s failed to load", self.name)
        else:
            self.inline_max_bytes = handler.inline_max_bytes
            self.handler = handler
            self.state = LoadState.READY

    def unload(self) -> None:
        """Drop the loaded model (predictions already running keep their handler)."""
        handler, self.handler = self.handler, None
        self.inline_max_bytes = 0
        self.state = LoadState.PENDING
        self.task = None
        if handler is not None:
            handler.close()
