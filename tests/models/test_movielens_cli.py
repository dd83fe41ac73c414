"""`sagegate model` through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner

from sagegate.models.movielens.cli import model


def test_evaluate_prints_mse_rmse_reference_and_credit() -> None:
    result = CliRunner().invoke(model, ["evaluate"])
    assert result.exit_code == 0, result.output
    assert "MSE  0.8" in result.output
    assert "RMSE 0.9" in result.output
    assert "Object2Vec sample: 0.91" in result.output
    assert "Harper and Joseph A. Konstan" in result.output
    assert "9,430" in result.output


def test_evaluate_json() -> None:
    result = CliRunner().invoke(model, ["evaluate", "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["mse"] <= 0.87
    assert report["object2vec_mse"] == 0.91
    assert report["test_rows"] == 9_430
    # Real clock: the budget is 5 s on two idle cores; the bound leaves room for a busy CI box.
    assert 0 < report["train_seconds"] < 15


def test_train_then_load_from_cache(cache_dir: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(model, ["train"])
    assert first.exit_code == 0, first.output
    # Training says so on standard error as it starts; the result goes to standard output.
    assert first.stderr == "Training movie-ratings ...\n"
    assert first.stdout.startswith("Trained in ")
    assert str(cache_dir) in first.stdout
    second = runner.invoke(model, ["train"])
    assert second.exit_code == 0, second.output
    assert second.stderr == ""
    assert second.stdout.startswith("Loaded from cache in ")
