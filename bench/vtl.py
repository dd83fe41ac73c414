"""The two VTL engines on the default API's templates, in one process.

`python -m bench.vtl [--iterations N]` renders the blog's request and response templates (the
movie-ratings API's) with the compiled engine (`MappingTemplate.render_parts`, what the
gateway calls) and with airspeed's tree walk (`render_reference`), best of five timed runs
each, and prints µs per render and the ratio. Run it compiled and with `SAGEGATE_PURE=1`.
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable

from sagegate import native
from sagegate.gateway.vtl import MappingTemplate, RequestFacts
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE

FACTS = RequestFacts(
    http_method="GET",
    path="/prod/predicted-ratings/321",
    resource_path="/predicted-ratings/{user_id}",
    stage="prod",
    path_params={"user_id": "321"},
    query={"items": ["101,131,162"]},
)
ENDPOINT_BODY = '{"predictions": [{"scores": [3.52]}, {"scores": [4.1]}, {"scores": [2.9]}]}'


def best_us(fn: Callable[[], object], iterations: int) -> float:
    """Best of five runs of `iterations` calls, µs per call."""
    return min(timeit.Timer(fn).repeat(repeat=5, number=iterations)) / iterations * 1e6


def timings(template: MappingTemplate, body: str | None, iterations: int) -> tuple[float, float]:
    """µs per render, (compiled engine, reference engine)."""
    return (
        best_us(lambda: template.render_parts(FACTS, None, body), iterations),
        best_us(lambda: template.render_reference(FACTS, body=body), iterations),
    )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=5000)
    args = parser.parse_args()
    print(f"build: {native.RUNNING}")
    print(f"{'template':10} {'compiled µs':>12} {'reference µs':>13} {'ratio':>7}")
    for name, source, body in (
        ("request", BLOG_REQUEST_TEMPLATE, None),
        ("response", BLOG_RESPONSE_TEMPLATE, ENDPOINT_BODY),
    ):
        template = MappingTemplate(source)
        compiled = template.render_parts(FACTS, None, body)[0]
        reference = template.render_reference(FACTS, body=body).output
        if compiled != reference:
            raise AssertionError(f"the engines disagree on {name}: {compiled!r} {reference!r}")
        fast, slow = timings(template, body, args.iterations)
        print(f"{name:10} {fast:12.2f} {slow:13.2f} {slow / fast:6.1f}x")


if __name__ == "__main__":
    main()
