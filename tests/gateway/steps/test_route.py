import pytest

from sagegate.gateway.responses import MissingAuthenticationToken
from sagegate.gateway.router import Router
from sagegate.gateway.steps.route import Route
from tests.gateway.factories import invocation

ROUTER: Router[str] = Router("prod", [("/predicted-ratings/{user_id}", "GET", "ratings")])
ROUTE = Route(ROUTER)


def params(router: Router[str], method: str, path: str) -> dict[str, str] | None:
    found = router.match(method, path)
    return None if found is None else found[2]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/prod/predicted-ratings/321", {"user_id": "321"}),
        ("/prod/predicted-ratings/321/", {"user_id": "321"}),
        ("/prod/predicted-ratings/a%20b", {"user_id": "a b"}),
        ("/prod/predicted-ratings", None),
        ("/prod/predicted-ratings/", None),
        ("/prod/predicted-ratings//", None),
        ("/prod/predicted-ratings/1/2", None),
        ("/dev/predicted-ratings/1", None),
        ("/test/predicted-ratings/1", None),  # a stage that sorts after ours
        ("x/prod/predicted-ratings/1", None),
        ("/predicted-ratings/1", None),
        ("/prod/other/1", None),
        ("", None),
    ],
)
def test_match(path: str, expected: dict[str, str] | None) -> None:
    assert params(ROUTER, "GET", path) == expected


def test_only_the_declared_method() -> None:
    assert ROUTER.match("POST", "/prod/predicted-ratings/1") is None


def test_greedy_proxy_takes_the_rest() -> None:
    router: Router[str] = Router("v1", [("/files/{proxy+}", "GET", "files")])
    assert params(router, "GET", "/v1/files/a/b/c") == {"proxy": "a/b/c"}
    assert params(router, "GET", "/v1/files/a%2Fb") == {"proxy": "a/b"}
    assert router.match("GET", "/v1/files") is None


def test_literal_before_parameter_before_greedy() -> None:
    router: Router[str] = Router(
        "prod",
        [
            ("/items/special", "GET", "literal"),
            ("/items/{id}", "GET", "param"),
            ("/{proxy+}", "ANY", "greedy"),
        ],
    )
    assert router.match("GET", "/prod/items/special") == ("literal", "/items/special", {})
    assert router.match("GET", "/prod/items/7") == ("param", "/items/{id}", {"id": "7"})
    assert router.match("DELETE", "/prod/other/x") == ("greedy", "/{proxy+}", {"proxy": "other/x"})
    # The resource is chosen first: /items/{id} has no POST, so POST is not found there,
    # even though the greedy resource has ANY (as API Gateway answers).
    assert router.match("POST", "/prod/items/7") is None


def test_backtracks_to_a_parameter_when_the_literal_branch_ends() -> None:
    router: Router[str] = Router("prod", [("/a/b", "GET", "ab"), ("/{x}/c", "GET", "xc")])
    assert router.match("GET", "/prod/a/c") == ("xc", "/{x}/c", {"x": "a"})
    assert router.match("GET", "/prod/a/b") == ("ab", "/a/b", {})


def test_root_and_any() -> None:
    router: Router[str] = Router("prod", [("/", "ANY", "root"), ("/health", "GET", "health")])
    assert router.match("PATCH", "/prod/") == ("root", "/", {})
    assert router.match("GET", "/prod") == ("root", "/", {})
    assert router.match("GET", "/prod/health") == ("health", "/health", {})
    assert router.match("HEAD", "/prod/health") is None


def test_a_resource_without_methods_is_not_found() -> None:
    router: Router[str] = Router("prod", [("/a/b", "GET", "ab")])
    assert router.match("GET", "/prod/a") is None


def test_unknown_route_is_missing_authentication_token() -> None:
    ctx = invocation("/prod/nope")
    with pytest.raises(MissingAuthenticationToken) as raised:
        ROUTE(ctx)
    assert raised.value.status_code == 403
    assert raised.value.body() == b'{"message":"Missing Authentication Token"}'


def test_route_writes_context_and_returns_the_method() -> None:
    ctx = invocation()
    assert ROUTE(ctx) == "ratings"
    assert (ctx.stage, ctx.resource_path, ctx.path_params) == (
        "prod",
        "/predicted-ratings/{user_id}",
        {"user_id": "321"},
    )
