"""Compile sagegate's request-path modules with mypyc: `python -m sagegate.native.build`.

Best effort by design: the package is complete without it. Needs the `native` extra (mypy,
whose mypyc is the compiler, and setuptools to drive the C compiler) and a C compiler with
the Python headers. When any of these is missing the build says so and leaves no build
behind, and sagegate runs as pure Python.

Does nothing when the current build already matches the sources (see `sagegate.native`).
`--strict`, or `SAGEGATE_REQUIRE_NATIVE=1` in the environment (CI sets it), makes a build that
fails an error (exit status 1) instead of a message.
https://mypyc.readthedocs.io/en/latest/getting_started.html
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sagegate import native

# Plain modules only: a compiled package would take its compiled directory as its search path.
# The modules every request runs through, and the model's serving path. Left out on purpose:
# - gateway/vtl/java_regex.py: its replacement callbacks run under the templates' restricted
#   builtins, which compiled code does not see;
# - endpoint/workers.py: its tests replace a method on an instance to stall a prediction;
# - gateway/facts.py: a slotted subclass of a dataclass that stays interpreted;
# - gateway/vtl/util.py: `$util`'s methods are staticmethod aliases, which mypyc does not
#   compile as such (and no default template calls `$util`).
MODULES = (
    "sagegate.ids",
    "sagegate.sigv4.canonical",
    "sagegate.sigv4.keys",
    "sagegate.sigv4.parse",
    "sagegate.sigv4.verify",
    "sagegate.gateway.app",
    "sagegate.gateway.chain",
    "sagegate.gateway.context",
    "sagegate.gateway.logs",
    "sagegate.gateway.trace",
    "sagegate.gateway.steps.authorize",
    "sagegate.gateway.steps.integrate",
    "sagegate.gateway.steps.integration_request",
    "sagegate.gateway.steps.integration_response",
    "sagegate.gateway.steps.method_response",
    "sagegate.gateway.steps.route",
    "sagegate.gateway.steps.throttle",
    "sagegate.gateway.steps.validate",
    "sagegate.gateway.vtl.input",
    "sagegate.gateway.vtl.jsonpath",
    "sagegate.gateway.vtl.methods",
    "sagegate.gateway.vtl.template",
    "sagegate.gateway.vtl.values",
    "sagegate.endpoint.host",
    "sagegate.endpoint.loading",
    "sagegate.endpoint.http_client",
    "sagegate.models.movielens.codec",
    "sagegate.models.movielens.predictor",
    "sagegate.gateway.vtl.context_vars",
    "sagegate.gateway.vtl.compiled",
    "sagegate.gateway.vtl.semantics",
    "sagegate.gateway.responses",
    "sagegate.gateway.limits",
    "sagegate.endpoint.targets",
    "sagegate.endpoint.response",
    "sagegate.endpoint.codecs",
    "sagegate.endpoint.handler",
    "sagegate.endpoint.context",
    "sagegate.endpoint.errors",
    "sagegate.sigv4.identity",
    "sagegate.sigv4.errors",
    "sagegate.sigv4.sign",
    "sagegate.models.movielens.serving",
    "sagegate.iam_policy",
    "sagegate.metrics.series",
    "sagegate.gateway.router",
    "sagegate.gateway.mappings",
    "sagegate.gateway.gateway_responses",
)
GROUP = "sagegate__native"
REQUIRE_VARIABLE = "SAGEGATE_REQUIRE_NATIVE"


def _source(module: str) -> Path:
    return native.PACKAGE_DIR.joinpath(*module.split(".")[1:]).with_suffix(".py")


def _module_name(file: Path) -> str:
    """`sagegate/gateway/chain.<suffix>` -> `sagegate.gateway.chain`."""
    return ".".join([*file.parent.parts, file.name.split(".", 1)[0]])


def is_current() -> bool:
    """Whether the build on disk was made from these sources, for these modules."""
    manifest = native.read_manifest()
    if manifest is None:
        return False
    modules = manifest.get("modules")
    built = (
        sorted(m for m in modules if m.startswith("sagegate.")) if isinstance(modules, dict) else []
    )
    return (
        built == sorted(MODULES)
        and manifest.get("tag") == native.build_tag()
        and not native.changed_sources(manifest)
    )


def build(jobs: int) -> None:
    """Compile MODULES into a fresh `compiled/` directory, replacing the old one at the end."""
    from mypyc.build import mypycify  # the `native` extra; imported here so --help works without
    from setuptools import Distribution

    sources = native.source_hashes()
    suffix = native.build_tag()
    src_root = native.PACKAGE_DIR.parent
    with tempfile.TemporaryDirectory(prefix="sagegate-native-") as tmp:
        work, out = Path(tmp) / "work", Path(tmp) / "out"
        # mypy names the modules from their paths relative to the working directory.
        cwd = Path.cwd()
        os.chdir(src_root)
        try:
            extensions = mypycify(
                [str(_source(m).relative_to(src_root)) for m in MODULES],
                opt_level="3",
                multi_file=jobs > 1,
                target_dir=str(work),
                group_name=GROUP,
            )
            distribution = Distribution({"ext_modules": extensions, "script_name": "build"})
            distribution.script_args = [
                "--quiet", "build_ext", "--build-lib", str(out), "--build-temp",
                str(work / "temp"), "--parallel", str(jobs),
            ]  # fmt: skip
            distribution.parse_command_line()
            distribution.run_commands()
        finally:
            os.chdir(cwd)
        modules = {_module_name(path.relative_to(out)): path for path in out.rglob(f"*{suffix}")}
        missing = set(MODULES) - modules.keys()
        if missing:
            raise RuntimeError(f"mypyc produced no module for {', '.join(sorted(missing))}")
        staging = native.COMPILED_DIR.with_name("compiled.new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        files = {}
        for name, path in modules.items():
            target = staging / path.relative_to(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            files[name] = str(path.relative_to(out))
        manifest = {"tag": suffix, "modules": files, "sources": sources}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        shutil.rmtree(native.COMPILED_DIR, ignore_errors=True)
        staging.rename(native.COMPILED_DIR)


def main(argv: list[str] | None = None) -> int:
    """Build if needed; exit 0 with a message (not an error) when the build is impossible."""
    parser = argparse.ArgumentParser(prog="python -m sagegate.native.build", description=__doc__)
    parser.add_argument("--force", action="store_true", help="rebuild even when current")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="C compiles")
    parser.add_argument(
        "--strict",
        action="store_true",
        help=f"exit 1 when the build fails (or {REQUIRE_VARIABLE}=1)",
    )
    args = parser.parse_args(argv)
    strict = args.strict or os.environ.get(REQUIRE_VARIABLE, "") not in ("", "0")
    if not args.force and is_current():
        print(f"sagegate: the compiled build is current ({len(MODULES)} modules)")
        return 0
    started = time.monotonic()
    effort = "required" if strict else "best effort"
    print(f"sagegate: compiling {len(MODULES)} modules with mypyc ({effort}) ...", flush=True)
    try:
        build(args.jobs)
    except (Exception, SystemExit) as error:  # setuptools reports a failed compile as SystemExit
        # A previous build stays: sagegate.native uses it only while it matches the sources.
        print(
            f"sagegate: the compiled build failed ({type(error).__name__}: {error}); "
            "without a build that matches the sources sagegate runs as pure Python "
            "(correct, slower).",
            file=sys.stderr,
        )
        return 1 if strict else 0
    print(f"sagegate: compiled in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
