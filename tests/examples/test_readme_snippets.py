"""The README's snippets are the examples' files, so what CI runs is what the README shows."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.examples.support import EXAMPLES, run_pytest

README = EXAMPLES.parent / "README.md"


def _blocks(language: str) -> list[str]:
    readme = README.read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", readme, flags=re.MULTILINE | re.DOTALL)


def test_the_spec_in_the_readme_is_the_own_model_examples() -> None:
    (spec,) = _blocks("yaml")
    example = (EXAMPLES / "own-model" / "api.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(spec) == yaml.safe_load(example)


def test_the_deploy_app_in_the_readme_is_examples_deploy_app_py() -> None:
    (shown,) = [b for b in _blocks("python") if b.startswith("# examples/deploy/app.py\n")]
    app = (EXAMPLES / "deploy" / "app.py").read_text(encoding="utf-8")
    assert app.endswith(shown.removeprefix("# examples/deploy/app.py\n"))


def test_the_readmes_pytest_snippet_passes_beside_the_example_spec(tmp_path: Path) -> None:
    (snippet,) = [b for b in _blocks("python") if "GatewayTestClient(" in b]
    test_file = tmp_path / "test_readme_snippet.py"
    test_file.write_text(snippet, encoding="utf-8")
    # As a user runs it: from the directory that holds api.yaml.
    assert "2 passed" in run_pytest(test_file, cwd=EXAMPLES / "own-model")
