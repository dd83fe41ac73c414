"""Use the mypyc-compiled build of sagegate's hot modules when, and only when, it is current.

`python -m sagegate.native.build` (run by `make`) compiles the modules of the request path
with mypyc into `sagegate/native/compiled/`, beside a manifest holding the SHA-256 of every
source file of the package. On `import sagegate` this module compares those hashes with the
sources on disk:

- all equal: a finder at the front of `sys.meta_path` serves the compiled modules;
- any differ (a source was edited since the build): the build is ignored as a whole, the
  package runs as pure Python, and one line on stderr names the changed files. Whole, because
  mypyc binds compiled modules to each other directly: one stale module cannot be swapped
  for its source while the others still call its old code;
- no build, or `SAGEGATE_PURE=1`: pure Python, silently.

The compiled files live outside the source tree's import path on purpose: Python's own
finder prefers an extension module over the `.py` beside it, so an in-place build would keep
running old code after an edit. Here nothing compiled is imported unless this check passed.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent.parent
COMPILED_DIR = Path(__file__).resolve().parent / "compiled"
MANIFEST = COMPILED_DIR / "manifest.json"
# Directories whose sources do not take part in the staleness check: this package (the build
# tool and this loader are never compiled) and the CDK construct, which no compiled module
# imports.
UNHASHED_DIRS = ("native", "cdk")
PURE_VARIABLE = "SAGEGATE_PURE"


def source_files(package: Path = PACKAGE_DIR) -> Iterator[tuple[str, Path]]:
    """(path relative to the package, path) of every source the build depends on, sorted."""
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative.split("/", 1)[0] not in UNHASHED_DIRS:
            yield relative, path


def source_hashes(package: Path = PACKAGE_DIR) -> dict[str, str]:
    """SHA-256 of every source the build depends on, keyed by path relative to the package."""
    return {
        relative: hashlib.sha256(path.read_bytes()).hexdigest()
        for relative, path in source_files(package)
    }


def build_tag() -> str:
    """This interpreter's extension-module suffix, e.g. `.cpython-311-x86_64-linux-gnu.so`."""
    return importlib.machinery.EXTENSION_SUFFIXES[0]


class CompiledFinder(importlib.abc.MetaPathFinder):
    """Serves the modules of a current build from `compiled/`, leaves every other module be."""

    def __init__(self, files: Mapping[str, Path]) -> None:
        self._files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        file = self._files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def read_manifest() -> dict[str, object] | None:
    """The build's manifest, or None when there is no readable one."""
    try:
        manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def changed_sources(manifest: dict[str, object]) -> list[str]:
    """The sources (relative paths) added, removed or edited since `manifest`'s build."""
    built = manifest.get("sources")
    built = built if isinstance(built, dict) else {}
    now = source_hashes()
    return sorted(k for k in built.keys() | now.keys() if built.get(k) != now.get(k))


# What the compiled build buys, from `make bench`'s scenario table: the default API's requests
# per second, as a share of the same run's ceiling, compiled against pure Python
# (docs/ARCHITECTURE.md has the figures).
GAIN = "~25% more requests per second"
_REBUILD = f"`make native` rebuilds it ({GAIN})"


def activate() -> tuple[str, str]:
    """Install the finder if the build is current; return, in words, which build runs and
    how to get the other one."""
    if os.environ.get(PURE_VARIABLE, "") not in ("", "0"):
        return f"pure Python ({PURE_VARIABLE} is set)", "unset it to run a current compiled build"
    manifest = read_manifest()
    if manifest is None:
        return (
            "pure Python (no compiled build)",
            f"`make native` compiles the request path ({GAIN})",
        )
    if manifest.get("tag") != build_tag():
        return f"pure Python (the compiled build is for {manifest.get('tag')})", _REBUILD
    changed = changed_sources(manifest)
    if changed:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        print(
            f"sagegate: sources changed since the compiled build ({', '.join(changed[:3])}{more}); "
            "running pure Python. `make native` rebuilds it.",
            file=sys.stderr,
        )
        return "pure Python (the compiled build is out of date)", _REBUILD
    modules = manifest.get("modules")
    if not isinstance(modules, dict):
        return "pure Python (the compiled build's manifest is malformed)", _REBUILD
    files = {str(name): COMPILED_DIR / str(file) for name, file in modules.items()}
    sys.meta_path.insert(0, CompiledFinder(files))
    count = sum(name.startswith("sagegate.") for name in files)
    return f"compiled with mypyc ({count} modules)", f"{PURE_VARIABLE}=1 runs pure Python"


#: Which build runs, e.g. "pure Python (no compiled build)" (the bench's label for it).
RUNNING, _OTHER = activate()
#: RUNNING and how to get the other build (`sagegate serve`'s `build:` line).
STATUS = f"{RUNNING}; {_OTHER}"
