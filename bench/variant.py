"""Run a server module with a hot-path mechanism swapped for its simple or standard form.

`python -m bench.variant VARIANT[,VARIANT...] MODULE [ARGS...]` patches this process, then runs
`python -m MODULE ARGS...` in it (e.g. `sagegate serve ...`, `bench.ceiling --port P`). The
variants are the B sides of the A/Bs of `python -m bench.ab` (issue 13 Part B); `none` runs
the module as shipped. Only modules the compiled build leaves interpreted are patched
(`server_settings`, `endpoint.workers`, `gateway.assemble`), so a variant means the same in
the compiled build and in pure Python.

- `stock-protocol`: uvicorn's own `httptools` protocol instead of `server_settings`' choice.
- `executor-workers`: predictions through `loop.run_in_executor` on a ThreadPoolExecutor.
- `threadsafe-workers`: the prediction threads, one `call_soon_threadsafe` per result.
- `aiohttp-client`: container-URL targets through aiohttp (as before `http_client.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import runpy
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

VARIANTS = ("none", "stock-protocol", "executor-workers", "threadsafe-workers", "aiohttp-client")


def _stock_protocol() -> None:
    from sagegate import server_settings

    server_settings.UVICORN_SETTINGS["http"] = "httptools"


def _executor_workers() -> None:
    from sagegate.endpoint import workers

    def __init__(self: Any, threads: int, *, name: str = "sagegate-model") -> None:
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)

    def submit(self: Any, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self: Any) -> None:
        self._executor.shutdown(wait=False)

    cls: Any = workers.PredictionWorkers
    cls.__init__ = __init__
    cls.submit = submit
    cls.close = close


def _threadsafe_workers() -> None:
    from sagegate.endpoint import workers

    def _set(done: Any) -> None:
        future, result, error = done
        if future.done():
            return
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)

    def _deliver(self: Any, loop: asyncio.AbstractEventLoop, done: Any) -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_set, done)

    cls: Any = workers.PredictionWorkers
    cls._deliver = _deliver


def _aiohttp_client() -> None:
    import aiohttp

    from sagegate.endpoint.response import InvocationResponse
    from sagegate.endpoint.targets import TargetUnreachable
    from sagegate.gateway import assemble

    class AiohttpContainerTarget:
        """The container target as it was on aiohttp (commit 0dc262c's parent)."""

        def __init__(self, url: str) -> None:
            self.url = url.rstrip("/")
            self._session: aiohttp.ClientSession | None = None

        async def start(self) -> None:
            if self._session is None:
                connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=30, ttl_dns_cache=300)
                self._session = aiohttp.ClientSession(
                    connector=connector,
                    timeout=aiohttp.ClientTimeout(total=None),
                    auto_decompress=False,
                )

        async def close(self) -> None:
            if self._session is not None:
                await self._session.close()
                self._session = None

        async def invoke(
            self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
        ) -> InvocationResponse:
            if self._session is None:
                await self.start()
            assert self._session is not None
            url = f"{self.url}/invocations"
            try:
                async with self._session.post(url, data=body, headers=dict(headers)) as answer:
                    payload = await answer.read()
                    return InvocationResponse(
                        status=answer.status,
                        headers=list(answer.headers.items()),
                        body=payload,
                    )
            except (aiohttp.ClientError, OSError) as exc:
                raise TargetUnreachable(f"{url}: {type(exc).__name__}: {exc}") from None

        async def invoke_stream(
            self, endpoint_name: str, body: bytes, headers: Mapping[str, str]
        ) -> InvocationResponse:
            return await self.invoke(endpoint_name, body, headers)

        def describe(self) -> str:
            return f"container at {self.url}/invocations (aiohttp)"

    setattr(assemble, "ContainerTarget", AiohttpContainerTarget)  # noqa: B010 (a class mypy would refuse here)


_PATCHES: dict[str, Callable[[], None]] = {
    "none": lambda: None,
    "stock-protocol": _stock_protocol,
    "executor-workers": _executor_workers,
    "threadsafe-workers": _threadsafe_workers,
    "aiohttp-client": _aiohttp_client,
}


def main() -> None:
    """Patch, then run the module as `python -m` would."""
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    for name in sys.argv[1].split(","):
        if name not in _PATCHES:
            raise SystemExit(f"unknown variant {name!r}; one of {', '.join(VARIANTS)}")
        _PATCHES[name]()
    module = sys.argv[2]
    sys.argv = [module, *sys.argv[3:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
