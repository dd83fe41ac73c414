import pytest

from sagegate.gateway.responses import BadRequestParameters
from sagegate.gateway.steps.validate import Validate
from tests.gateway.factories import invocation

STEP = Validate(["method.request.path.user_id", "method.request.querystring.items"])


@pytest.mark.parametrize("query", ["", "items=", "items=%20", "other=1"])
def test_missing_or_blank_is_refused_with_aws_message(query: str) -> None:
    ctx = invocation(query=query)
    ctx.path_params = {"user_id": "321"}
    with pytest.raises(BadRequestParameters) as raised:
        STEP(ctx)
    assert raised.value.status_code == 400
    assert raised.value.message == "Missing required request parameters: [items]"


def test_lists_every_missing_parameter_sorted_by_full_key() -> None:
    # AWS lists method.request.header.* before path.* before querystring.*, whatever the
    # declared order (recorded: "Missing required request parameters: [X-B, id, a]").
    step = Validate(
        [
            "method.request.querystring.b",
            "method.request.querystring.a",
            "method.request.path.id",
            "method.request.header.X-B",
        ]
    )
    with pytest.raises(BadRequestParameters) as raised:
        step(invocation())
    assert raised.value.message == "Missing required request parameters: [X-B, id, a, b]"


def test_present_passes() -> None:
    ctx = invocation(query="items=101,131", headers=[("X-B", "1")])
    ctx.path_params = {"user_id": "321"}
    STEP(ctx)
