import re
import uuid

from sagegate.api.from_spec import api_id_for
from sagegate.spec import Spec
from sagegate.testing import GatewayTestClient


def test_every_request_gets_fresh_well_formed_ids() -> None:
    with GatewayTestClient() as client:
        contexts = [client.get("/prod/nowhere").invocation for _ in range(200)]
    request_ids = {c.request_id for c in contexts}
    assert len(request_ids) == 200
    for ctx in contexts:
        parsed = uuid.UUID(ctx.request_id)
        assert str(parsed) == ctx.request_id and parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert re.fullmatch(r"[A-Za-z0-9+/]{15}=", ctx.extended_request_id)
        assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", ctx.trace.root)
    assert len({c.trace.root for c in contexts}) == 200


def test_api_id_is_stable_and_aws_shaped() -> None:
    assert api_id_for(Spec.default()) == api_id_for(Spec.default())
    assert re.fullmatch(r"[a-z2-7]{10}", api_id_for(Spec.default()))
