"""The A/B benches compare like with like: each B variant does the same job as A."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bench import ab, variant
from bench.loadgen import REPO_ROOT


def _run(code: str) -> str:
    """Run `code` in a fresh interpreter (the variants patch classes process-wide)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_mechanism_alternates_known_variants_with_the_shipped_one_first() -> None:
    for variants in ab.MECHANISMS.values():
        assert variants[0] == "none"
        assert set(variants) <= set(variant.VARIANTS)


def test_an_unknown_variant_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["bench.variant", "faster", "bench.ceiling"])
    with pytest.raises(SystemExit, match="unknown variant 'faster'"):
        variant.main()


@pytest.mark.parametrize("name", ["none", "executor-workers", "threadsafe-workers"])
def test_worker_variants_answer_and_raise_as_the_shipped_workers(name: str) -> None:
    out = _run(
        f"""
        import asyncio
        from bench import variant
        variant._PATCHES[{name!r}]()
        from sagegate.endpoint.workers import PredictionWorkers

        def fail():
            raise ValueError("no")

        async def main():
            workers = PredictionWorkers(2)
            results = await asyncio.gather(*(workers.submit(pow, i, 2) for i in range(50)))
            try:
                await workers.submit(fail)
            except ValueError as exc:
                print(sum(results), exc)
            workers.close()

        asyncio.run(main())
        """
    )
    assert out.split() == [str(sum(i * i for i in range(50))), "no"]


def test_protocol_and_client_variants_swap_what_they_name() -> None:
    out = _run(
        """
        from bench import variant
        variant._PATCHES["stock-protocol"]()
        variant._PATCHES["aiohttp-client"]()
        from sagegate.server_settings import UVICORN_SETTINGS
        from sagegate.gateway import assemble
        print(UVICORN_SETTINGS["http"], assemble.ContainerTarget("http://h:1/").describe())
        """
    )
    assert out.split() == ["httptools", "container", "at", "http://h:1/invocations", "(aiohttp)"]


def test_vtl_bench_prints_both_templates(capsys: pytest.CaptureFixture[str]) -> None:
    from bench import vtl

    vtl_argv = ["bench.vtl", "--iterations", "5"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", vtl_argv)
        vtl.main()
    out = capsys.readouterr().out
    assert "request" in out and "response" in out and "x" in out
