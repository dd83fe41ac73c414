"""A rich progress bar for training, shown only when standard error is a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from sagegate.models.movielens.hyperparameters import Hyperparameters
from sagegate.models.movielens.training import StepCallback, training_steps


@contextmanager
def training_progress(
    hp: Hyperparameters, description: str, console: Console | None = None
) -> Iterator[StepCallback | None]:
    """Yield a step callback that advances a progress bar, or None when not interactive."""
    target = console or Console(stderr=True)
    if not target.is_terminal:
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=target, transient=True) as bar:
        task = bar.add_task(description, total=training_steps(hp), step="")

        def advance(step: str) -> None:
            bar.update(task, advance=1, step=step)

        yield advance
