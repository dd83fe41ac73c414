"""The README's snippets are the examples' files, so what CI runs is what the README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def _blocks(language: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
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
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=EXAMPLES / "own-model",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 passed" in result.stdout
