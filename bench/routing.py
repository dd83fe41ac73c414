"""Route matching: the default API's one route against a tree of 200 resources, one process.

The router walks the resource tree segment by segment (a dict lookup per literal), so the
cost of finding a method should depend on the path's depth, not on how many resources the
API has. This measures the movie-ratings route alone, the same route inside a 200-resource
API (literals, parameters and a greedy proxy beside it), and a route deep in that tree, and
prints them as ratios to the single-route case.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sagegate.gateway.router import Router

MOVIE_ROUTE = ("/predicted-ratings/{user_id}", "GET")
MOVIE_PATH = "/prod/predicted-ratings/321"
DEEP_PATH = "/prod/team-15/models/model-7/versions/42"


def tree_routes(count: int = 200) -> list[tuple[str, str, str]]:
    """`count` resources of an API that grew: teams, their models, versions, a proxy."""
    routes = [(*MOVIE_ROUTE, "movie")]
    team = 0
    while len(routes) < count:
        base = f"/team-{team}"
        routes.append((base, "GET", f"t{team}"))
        routes.append((f"{base}/models", "GET", f"t{team}m"))
        for model in range(8):
            routes.append((f"{base}/models/model-{model}", "POST", f"t{team}m{model}"))
        routes.append((f"{base}/models/model-7/versions/{{version}}", "GET", f"t{team}v"))
        routes.append((f"{base}/files/{{proxy+}}", "ANY", f"t{team}f"))
        team += 1
    return routes[:count]


@dataclass(frozen=True, slots=True)
class RoutingFigures:
    """Nanoseconds per match, median of rounds, and the ratios to the single route."""

    single_ns: float
    tree_same_route_ns: float
    tree_deep_route_ns: float
    resources: int

    @property
    def same_route_ratio(self) -> float:
        """The movie route in the big tree, over the movie route alone."""
        return self.tree_same_route_ns / self.single_ns

    @property
    def deep_route_ratio(self) -> float:
        """A six-segment route in the big tree, over the movie route alone."""
        return self.tree_deep_route_ns / self.single_ns


def _ns_per_match(router: Router[str], method: str, path: str, iterations: int) -> float:
    match = router.match
    started = time.perf_counter_ns()
    for _ in range(iterations):
        match(method, path)
    return (time.perf_counter_ns() - started) / iterations


def measure_routing(iterations: int = 200_000, rounds: int = 5) -> RoutingFigures:
    """Alternate the cases round by round (the machine is shared) and keep medians."""
    single: Router[str] = Router("prod", [(*MOVIE_ROUTE, "movie")])
    routes = tree_routes()
    tree: Router[str] = Router("prod", routes)
    assert tree.match("GET", MOVIE_PATH) is not None and tree.match("GET", DEEP_PATH) is not None
    samples: dict[str, list[float]] = {"single": [], "same": [], "deep": []}
    for _ in range(rounds):
        samples["single"].append(_ns_per_match(single, "GET", MOVIE_PATH, iterations))
        samples["same"].append(_ns_per_match(tree, "GET", MOVIE_PATH, iterations))
        samples["deep"].append(_ns_per_match(tree, "GET", DEEP_PATH, iterations))

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    return RoutingFigures(
        median(samples["single"]), median(samples["same"]), median(samples["deep"]), len(routes)
    )


def render(figures: RoutingFigures) -> str:
    """The table `make bench` prints."""
    return "\n".join(
        [
            "Route matching (the router alone, same process)",
            f"  movie route, API of 1 resource:              {figures.single_ns:7.0f} ns  1.00x",
            f"  movie route, API of {figures.resources} resources:           "
            f"{figures.tree_same_route_ns:7.0f} ns  {figures.same_route_ratio:.2f}x",
            f"  6-segment route, API of {figures.resources} resources:       "
            f"{figures.tree_deep_route_ns:7.0f} ns  {figures.deep_route_ratio:.2f}x",
        ]
    )


if __name__ == "__main__":
    print(render(measure_routing()))
