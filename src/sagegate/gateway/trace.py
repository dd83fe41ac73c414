"""X-Ray trace ids, and OpenTelemetry spans for the gateway and the integration.

https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader
Every request gets `X-Amzn-Trace-Id: Root=1-{8 hex epoch}-{24 hex};Parent={16 hex};Sampled=1`;
a Root the client sent is kept, so a caller's trace continues through the gateway. Spans are
made only when an exporter is configured (`SAGEGATE_TRACES=console`): ids cost nanoseconds,
spans cost microseconds.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any, TextIO

from opentelemetry import trace as otel_trace
from opentelemetry.propagators.aws import AwsXRayPropagator
from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

_NO_SPAN: AbstractContextManager[None] = nullcontext()
_ROOT = re.compile(r"(?:^|;)\s*Root=(1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24})")
_SAMPLED = re.compile(r"(?:^|;)\s*Sampled=([01])")


# Not frozen: made for every request, and a frozen init costs ~4x (0.7 vs 0.15 µs).
# Its own __init__ (init=False): mypyc compiles it, the generated one would run interpreted.
@dataclass(slots=True, init=False)
class TraceIds:
    """The ids one request carries."""

    root: str
    parent: str
    sampled: bool

    def __init__(self, root: str, parent: str, sampled: bool) -> None:
        self.root = root
        self.parent = parent
        self.sampled = sampled

    @property
    def header(self) -> str:
        """The X-Amzn-Trace-Id value the gateway answers with and passes on."""
        return f"Root={self.root};Parent={self.parent};Sampled={int(self.sampled)}"


class Tracer:
    """Makes trace ids for each request, and spans when an exporter is configured."""

    def __init__(
        self,
        *,
        exporter: str | None = None,
        clock: Callable[[], float] = time.time,
        random_bits: Callable[[int], int] | None = None,
        stream: TextIO | None = None,
    ) -> None:
        import random

        self._clock = clock
        self._bits = random_bits or random.SystemRandom().getrandbits
        self._tracer: otel_trace.Tracer | None = None
        self._propagator = AwsXRayPropagator()
        if exporter == "console":
            provider = TracerProvider(id_generator=AwsXRayIdGenerator())
            provider.add_span_processor(
                SimpleSpanProcessor(ConsoleSpanExporter(out=stream or sys.stderr))
            )
            self._tracer = provider.get_tracer("sagegate.gateway")
        elif exporter is not None:
            raise ValueError(f"unknown trace exporter {exporter!r} (supported: console)")

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Tracer:
        """A tracer exporting as `SAGEGATE_TRACES` says (unset: ids only)."""
        env = os.environ if environ is None else environ
        return cls(exporter=env.get("SAGEGATE_TRACES") or None)

    def ids(
        self, incoming: str | None, random_hex: str | None = None, now: float | None = None
    ) -> TraceIds:
        """The ids for a request, continuing the client's Root when it sent one.

        `random_hex` (40 random lowercase hex digits) saves drawing randomness twice when the
        caller has some; `now` (epoch seconds) saves reading the clock twice.
        """
        if random_hex is not None and len(random_hex) >= 40:
            random_root, parent = random_hex[:24], random_hex[24:40]
        else:
            random_root, parent = f"{self._bits(96):024x}", f"{self._bits(64):016x}"
        if not incoming:  # the usual case: a new trace
            epoch = int(self._clock() if now is None else now)
            return TraceIds(f"1-{epoch:08x}-{random_root}", parent, True)
        match = _ROOT.search(incoming)
        root = match.group(1).lower() if match else None
        flag = _SAMPLED.search(incoming)
        sampled = flag is None or flag.group(1) == "1"
        if root is None:
            root = f"1-{int(self._clock() if now is None else now):08x}-{random_root}"
        return TraceIds(root, parent, sampled)

    @property
    def exporting(self) -> bool:
        """True when spans are recorded."""
        return self._tracer is not None

    def span(self, name: str, ids: TraceIds, **attributes: Any) -> AbstractContextManager[None]:
        """A span under the request's X-Ray trace (a shared no-op unless exporting)."""
        if self._tracer is None:
            return _NO_SPAN
        return self._span(name, ids, attributes)

    @contextmanager
    def _span(self, name: str, ids: TraceIds, attributes: dict[str, Any]) -> Iterator[None]:
        assert self._tracer is not None
        carrier = {"X-Amzn-Trace-Id": ids.header}
        parent = self._propagator.extract(carrier)
        with self._tracer.start_as_current_span(name, context=parent, attributes=attributes):
            yield
