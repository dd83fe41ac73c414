import pytest

from sagegate.gateway.responses import MissingAuthenticationToken
from sagegate.gateway.steps.route import Route
from tests.gateway.factories import invocation

ROUTE = Route(stage="prod", path_parts=["predicted-ratings", "{user_id}"])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/prod/predicted-ratings/321", {"user_id": "321"}),
        ("/prod/predicted-ratings/321/", {"user_id": "321"}),
        ("/prod/predicted-ratings/a%20b", {"user_id": "a b"}),
        ("/prod/predicted-ratings", None),
        ("/prod/predicted-ratings/", None),
        ("/prod/predicted-ratings/1/2", None),
        ("/dev/predicted-ratings/1", None),
        ("/predicted-ratings/1", None),
        ("/prod/other/1", None),
        ("", None),
    ],
)
def test_match(path: str, params: dict[str, str] | None) -> None:
    assert ROUTE.match("GET", path) == params


def test_only_get() -> None:
    assert ROUTE.match("POST", "/prod/predicted-ratings/1") is None


def test_greedy_proxy_takes_the_rest() -> None:
    route = Route(stage="v1", path_parts=["files", "{proxy+}"])
    assert route.match("GET", "/v1/files/a/b/c") == {"proxy": "a/b/c"}
    assert route.match("GET", "/v1/files") is None


def test_unknown_route_is_missing_authentication_token() -> None:
    ctx = invocation("/prod/nope")
    with pytest.raises(MissingAuthenticationToken) as raised:
        ROUTE(ctx)
    assert raised.value.status_code == 403
    assert raised.value.body() == b'{"message":"Missing Authentication Token"}'


def test_route_writes_context() -> None:
    ctx = invocation()
    ROUTE(ctx)
    assert (ctx.stage, ctx.resource_path, ctx.path_params) == (
        "prod",
        "/predicted-ratings/{user_id}",
        {"user_id": "321"},
    )
