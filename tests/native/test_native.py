"""The compiled build is used only when it matches the sources, and its absence costs nothing.

The loader is exercised in child interpreters on a copy of the package, so that a manifest
can be forged, a source edited or the build removed without touching this tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagegate import native
from sagegate.native import build

PROBE = (
    "import json, sagegate.native as n, sagegate.sigv4.verify as v, sagegate.gateway.facts as f;"
    "print(json.dumps({'status': n.STATUS, 'running': n.RUNNING,"
    " 'verify': v.__file__, 'facts': f.__file__}))"
)


def _copy_package(tmp_path: Path, *, with_build: bool) -> Path:
    """A copy of `src/sagegate` under tmp_path/src; returns the copied package directory."""
    target = tmp_path / "src" / "sagegate"
    ignore = shutil.ignore_patterns("__pycache__", *(() if with_build else ("compiled",)))
    shutil.copytree(native.PACKAGE_DIR, target, ignore=ignore)
    return target


def _probe(src: Path, **env: str) -> tuple[dict[str, str], str]:
    """(what the probe printed, its stderr), in a child importing the copy at `src`."""
    child_env = {k: v for k, v in os.environ.items() if k != native.PURE_VARIABLE}
    child_env.update(env, PYTHONPATH=str(src))
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=child_env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def _forge_manifest(package: Path, **overrides: object) -> None:
    """A manifest that claims a build of exactly these sources (and no compiled module)."""
    compiled = package / "native" / "compiled"
    compiled.mkdir(parents=True, exist_ok=True)
    hashes = native.source_hashes(package)
    manifest = {"tag": native.build_tag(), "modules": {}, "sources": hashes, **overrides}
    (compiled / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_without_a_build_the_package_runs_as_pure_python_silently(tmp_path: Path) -> None:
    package = _copy_package(tmp_path, with_build=False)

    seen, stderr = _probe(package.parent)

    assert seen["status"] == (
        "pure Python (no compiled build); "
        "`make native` compiles the request path (~25% more requests per second)"
    )
    assert seen["verify"] == str(package / "sigv4" / "verify.py")
    assert stderr == ""


def test_a_source_edited_after_the_build_turns_the_whole_build_off_and_says_which(
    tmp_path: Path,
) -> None:
    package = _copy_package(tmp_path, with_build=False)
    _forge_manifest(package)
    assert _probe(package.parent)[0]["status"].startswith("compiled with mypyc")

    chain = package / "gateway" / "chain.py"
    chain.write_text(chain.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    seen, stderr = _probe(package.parent)

    assert seen["status"] == (
        "pure Python (the compiled build is out of date); "
        "`make native` rebuilds it (~25% more requests per second)"
    )
    assert seen["verify"] == str(package / "sigv4" / "verify.py")
    assert "gateway/chain.py" in stderr and "make native" in stderr


def test_a_new_source_file_also_makes_the_build_out_of_date(tmp_path: Path) -> None:
    package = _copy_package(tmp_path, with_build=False)
    _forge_manifest(package)
    (package / "gateway" / "extra.py").write_text("X = 1\n", encoding="utf-8")

    seen, stderr = _probe(package.parent)

    assert seen["running"] == "pure Python (the compiled build is out of date)"
    assert "gateway/extra.py" in stderr


def test_edits_outside_the_hashed_sources_keep_the_build(tmp_path: Path) -> None:
    package = _copy_package(tmp_path, with_build=False)
    _forge_manifest(package)
    (package / "cdk" / "extra.py").write_text("X = 1\n", encoding="utf-8")

    assert _probe(package.parent)[0]["status"].startswith("compiled with mypyc")


def test_a_build_for_another_interpreter_is_ignored(tmp_path: Path) -> None:
    package = _copy_package(tmp_path, with_build=False)
    _forge_manifest(package, tag=".cpython-399-x86_64-linux-gnu.so")

    seen, _ = _probe(package.parent)

    assert seen["running"] == (
        "pure Python (the compiled build is for .cpython-399-x86_64-linux-gnu.so)"
    )


def test_a_malformed_manifest_is_ignored(tmp_path: Path) -> None:
    package = _copy_package(tmp_path, with_build=False)
    _forge_manifest(package)
    (package / "native" / "compiled" / "manifest.json").write_text("{not json", encoding="utf-8")

    assert _probe(package.parent)[0]["running"] == "pure Python (no compiled build)"


needs_build = pytest.mark.skipif(
    not native.RUNNING.startswith("compiled"),
    reason=f"this tree has no current compiled build ({native.RUNNING}); `make native` makes one",
)


@needs_build
def test_a_current_build_serves_every_listed_module_compiled_and_the_rest_from_source(
    tmp_path: Path,
) -> None:
    package = _copy_package(tmp_path, with_build=True)

    seen, stderr = _probe(package.parent)

    assert seen["status"] == (
        f"compiled with mypyc ({len(build.MODULES)} modules); SAGEGATE_PURE=1 runs pure Python"
    )
    assert seen["verify"].startswith(str(package / "native" / "compiled"))
    assert seen["verify"].endswith(native.build_tag())
    assert seen["facts"] == str(package / "gateway" / "facts.py")
    assert stderr == ""
    # ... and SAGEGATE_PURE=1 turns it off without a word.
    pure, stderr = _probe(package.parent, SAGEGATE_PURE="1")
    assert pure["running"] == "pure Python (SAGEGATE_PURE is set)"
    assert pure["verify"] == str(package / "sigv4" / "verify.py")
    assert stderr == ""


@needs_build
def test_this_process_runs_the_compiled_modules_and_the_build_is_current() -> None:
    import sagegate.gateway.chain
    import sagegate.sigv4.verify

    assert build.is_current()
    for module in (sagegate.sigv4.verify, sagegate.gateway.chain):
        assert module.__file__ is not None
        assert module.__file__.startswith(str(native.COMPILED_DIR))


def test_a_failed_build_keeps_the_previous_one_and_is_not_an_error_unless_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    compiled = tmp_path / "compiled"
    (compiled / "sagegate").mkdir(parents=True)
    (compiled / "manifest.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(native, "COMPILED_DIR", compiled)
    monkeypatch.setattr(native, "MANIFEST", compiled / "manifest.json")

    def no_compiler(jobs: int) -> None:
        raise SystemExit("error: command 'gcc' failed: No such file or directory")

    monkeypatch.setattr(build, "build", no_compiler)
    monkeypatch.delenv(build.REQUIRE_VARIABLE, raising=False)

    assert build.main(["--jobs=1"]) == 0
    message = capsys.readouterr().err
    assert "command 'gcc' failed" in message and "pure Python" in message
    # Left as it was: the loader uses it only if it still matches the sources.
    assert (compiled / "manifest.json").read_text(encoding="utf-8") == "{}"
    assert build.main(["--jobs=1", "--strict"]) == 1
    monkeypatch.setenv(build.REQUIRE_VARIABLE, "1")
    assert build.main(["--jobs=1"]) == 1


@pytest.mark.skipif(
    os.environ.get(build.REQUIRE_VARIABLE, "") in ("", "0")
    or os.environ.get(native.PURE_VARIABLE, "") not in ("", "0"),
    reason=f"the compiled build is not required here ({build.REQUIRE_VARIABLE} unset, or "
    f"{native.PURE_VARIABLE} set)",
)
def test_where_the_compiled_build_is_required_it_runs() -> None:
    """CI sets SAGEGATE_REQUIRE_NATIVE=1: a build that is missing or stale fails the suite
    instead of leaving the compiled modules' tests to run on pure Python unnoticed."""
    assert native.RUNNING.startswith("compiled with mypyc"), native.STATUS
