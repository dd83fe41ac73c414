"""The routing bench measures what it says: the same route found in both routers."""

from bench.routing import DEEP_PATH, MOVIE_PATH, measure_routing, render, tree_routes
from sagegate.gateway.router import Router


def test_the_tree_has_200_resources_and_both_paths_route() -> None:
    routes = tree_routes()
    assert len({path for path, _, _ in routes}) == 200
    router: Router[str] = Router("prod", routes)
    assert router.match("GET", MOVIE_PATH) == (
        "movie",
        "/predicted-ratings/{user_id}",
        {"user_id": "321"},
    )
    found = router.match("GET", DEEP_PATH)
    assert found is not None and found[2] == {"version": "42"}


def test_figures_are_printed_as_ratios() -> None:
    figures = measure_routing(iterations=200, rounds=1)
    assert figures.resources == 200
    text = render(figures)
    assert "1.00x" in text and "API of 200 resources" in text
