"""Training made visible: a line when it starts, and a progress bar on a terminal.

Nothing is shown unless a training step runs, so a model loaded from the cache starts
silently.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sagegate.models.movielens.hyperparameters import Hyperparameters
from sagegate.models.movielens.training import StepCallback, training_steps


class TrainingProgress:
    """The step callback of one training run, and how long it has been running."""

    def __init__(self, hp: Hyperparameters, description: str, console: Console) -> None:
        self._hp = hp
        self._description = description
        self._console = console
        self._stack = ExitStack()
        self._advance: StepCallback | None = None
        self.started: float | None = None

    def step(self, step: str) -> None:
        """Record one training step; the first one announces the training."""
        if self._advance is None:
            self.started = time.perf_counter()
            self._console.print(
                f"{self._description} ...", markup=False, highlight=False, soft_wrap=True
            )
            self._advance = self._start_bar() if self._console.is_terminal else _ignore
        self._advance(step)

    def _start_bar(self) -> StepCallback:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[step]}"),
            TimeElapsedColumn(),
        )
        bar = self._stack.enter_context(Progress(*columns, console=self._console, transient=True))
        task = bar.add_task("training", total=training_steps(self._hp), step="")

        def advance(step: str) -> None:
            bar.update(task, advance=1, step=step)

        return advance

    @property
    def seconds(self) -> float | None:
        """Seconds since the first step, or None when nothing was trained."""
        return None if self.started is None else time.perf_counter() - self.started

    def close(self) -> None:
        """Take the progress bar down, if there is one."""
        self._stack.close()


def _ignore(step: str) -> None:
    """Off a terminal, the opening line is all that training shows."""


@contextmanager
def training_progress(
    hp: Hyperparameters, description: str, console: Console | None = None
) -> Iterator[TrainingProgress]:
    """A `TrainingProgress` whose `step` is the training's step callback; on standard error
    unless `console` says otherwise."""
    progress = TrainingProgress(hp, description, console or Console(stderr=True))
    try:
        yield progress
    finally:
        progress.close()
