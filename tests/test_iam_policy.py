"""IAM policy evaluation for execute-api:Invoke: allow, deny wins, default deny, wildcards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagegate.iam_policy import (
    Decision,
    Policy,
    PolicyError,
    denial_message,
    invoke_resource_arn,
    mask_account,
)

ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::444455556666:user/bob"
API = "arn:aws:execute-api:us-east-1:111122223333:abc123"


def resource(method: str = "GET", path: str = "predicted-ratings/321", stage: str = "prod") -> str:
    return invoke_resource_arn(
        region="us-east-1",
        account_id="111122223333",
        api_id="abc123",
        stage=stage,
        method=method,
        path=path,
    )


def policy(*statements: dict[str, Any]) -> Policy:
    return Policy.parse({"Version": "2012-10-17", "Statement": list(statements)})


def allow(res: Any = f"{API}/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": res} | extra


def deny(res: Any = f"{API}/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": res} | extra


def decide(p: Policy, res: str | None = None, who: str = ALICE, action: str = "") -> Decision:
    kwargs = {"action": action} if action else {}
    return p.evaluate(principal_arn=who, resource=res or resource(), **kwargs)


def test_resource_arn_shape() -> None:
    assert resource("get", "/predicted-ratings/321") == f"{API}/prod/GET/predicted-ratings/321"


def test_allow_and_default_deny() -> None:
    p = policy(allow(f"{API}/prod/GET/*"))
    assert decide(p) is Decision.ALLOW
    assert decide(p, resource("POST")) is Decision.IMPLICIT_DENY
    assert decide(p, resource(stage="dev")) is Decision.IMPLICIT_DENY


def test_explicit_deny_wins_over_allow_in_any_order() -> None:
    for statements in ([allow(), deny(f"{API}/prod/GET/*")], [deny(f"{API}/*/GET/*"), allow()]):
        p = policy(*statements)
        assert decide(p) is Decision.EXPLICIT_DENY
        assert decide(p, resource("POST")) is Decision.ALLOW


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        (f"{API}/prod/GET/predicted-ratings/*", "predicted-ratings/1", "other/1"),
        (
            f"{API}/prod/GET/predicted-ratings/32?",
            "predicted-ratings/321",
            "predicted-ratings/3210",
        ),
        (f"{API}/*/GET/*", "x/y/z", None),
        ("*", "anything", None),
        (f"{API}/prod/GET/Predicted-Ratings/*", None, "predicted-ratings/1"),
    ],
)
def test_resource_wildcards_are_case_sensitive(
    pattern: str, hit: str | None, miss: str | None
) -> None:
    p = policy(allow(pattern))
    if hit is not None:
        assert decide(p, resource(path=hit)) is Decision.ALLOW
    if miss is not None:
        assert decide(p, resource(path=miss)) is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(
    "action",
    ["execute-api:Invoke", "EXECUTE-API:invoke", "execute-api:*", "*", "execute-api:Inv?ke"],
)
def test_actions_match_case_insensitively_with_wildcards(action: str) -> None:
    p = policy({"Effect": "Allow", "Action": action, "Resource": "*"})
    assert decide(p) is Decision.ALLOW


def test_other_actions_do_not_match() -> None:
    p = policy({"Effect": "Allow", "Action": ["execute-api:ManageConnections"], "Resource": "*"})
    assert decide(p) is Decision.IMPLICIT_DENY


def test_not_action_and_not_resource() -> None:
    p = policy(
        {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "NotResource": f"{API}/prod/*"},
    )
    assert decide(p) is Decision.ALLOW
    assert decide(p, resource(stage="dev")) is Decision.EXPLICIT_DENY
    assert decide(p, action="s3:GetObject") is Decision.IMPLICIT_DENY


def test_principals() -> None:
    p = policy(allow(Principal={"AWS": [ALICE]}), allow(Principal={"AWS": "444455556666"}))
    assert decide(p, who=ALICE) is Decision.ALLOW
    assert decide(p, who=BOB) is Decision.ALLOW
    assert decide(p, who="arn:aws:iam::777788889999:user/eve") is Decision.IMPLICIT_DENY
    root = policy(allow(Principal={"AWS": "arn:aws:iam::111122223333:root"}))
    assert decide(root, who="arn:aws:iam::111122223333:user/carol") is Decision.ALLOW
    anyone = policy(
        allow(Principal="*"), deny(Principal={"AWS": ["*"]}, Resource=f"{API}/*/POST/*")
    )
    assert decide(anyone, who=BOB) is Decision.ALLOW
    assert decide(anyone, resource("POST"), who=BOB) is Decision.EXPLICIT_DENY


def test_single_statement_object_and_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": allow()}))
    assert decide(Policy.from_file(path)) is Decision.ALLOW


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "policy is not valid JSON"),
        ([], "policy must be a JSON object"),
        ({"Statement": []}, "policy Statement is empty"),
        ({"Version": "2020-01-01", "Statement": [allow()]}, "policy Version must be one of"),
        ({"Statment": [allow()]}, "unknown top-level field(s): ['Statment']"),
        (
            {
                "Statement": [
                    allow(),
                    {"Sid": "Bad", "Effect": "Maybe", "Action": "*", "Resource": "*"},
                ]
            },
            "Statement[1] (Sid 'Bad'): Effect must be 'Allow' or 'Deny', not 'Maybe'",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
            "Statement[0]: needs exactly one of Action or NotAction",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}]},
            "Statement[0]: needs exactly one of Action or NotAction",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "*"}]},
            "Statement[0]: needs exactly one of Resource or NotResource",
        ),
        (
            {"Statement": [allow(res=[])]},
            "Statement[0]: Resource must be a string or a non-empty list",
        ),
        (
            {"Statement": [allow(res="prod/GET/*")]},
            "Statement[0]: Resource 'prod/GET/*' is not an ARN or '*'",
        ),
        (
            {"Statement": [allow(res="!*")]},  # sorts before '*'
            "Statement[0]: Resource '!*' is not an ARN or '*'",
        ),
        (
            {"Statement": [{"Effect": "Allow", "Action": "invoke", "Resource": "*"}]},
            "Statement[0]: Action 'invoke' is not 'service:action' or '*'",
        ),
        (
            {"Statement": [allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})]},
            "Statement[0]: Condition is not supported by the local gateway",
        ),
        (
            {"Statement": [allow(Principal={"Service": "lambda.amazonaws.com"})]},
            "Statement[0]: Principal must be '*' or",
        ),
        (
            {"Statement": [allow(Principal={"AWS": "alice"})]},
            "Statement[0]: Principal.AWS 'alice' is not an ARN, account id or '*'",
        ),
        ({"Statement": [allow(Effct="Allow")]}, "Statement[0]: unknown field(s) ['Effct']"),
    ],
)
def test_bad_policies_are_refused_naming_statement_and_field(document: Any, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.parse(document if isinstance(document, str) else json.loads(json.dumps(document)))
    assert message in str(caught.value)


def test_bad_policy_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"Statement": [{"Effect": "Allow"}]}')
    with pytest.raises(PolicyError, match=r"p\.json: Statement\[0\]"):
        Policy.from_file(path)


def test_denial_messages() -> None:
    arn = resource()
    assert denial_message(ALICE, arn, explicit=False) == (
        "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
        "execute-api:Invoke on resource: "
        "arn:aws:execute-api:us-east-1:********3333:abc123/prod/GET/predicted-ratings/321"
    )
    assert denial_message("anonymous", arn, explicit=True, mask=False) == (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"{arn} with an explicit deny"
    )


@pytest.mark.parametrize(
    ("path", "masked"),
    [
        ("items/a:b", "arn:aws:execute-api:us-east-1:********3333:abc123/prod/GET/items/a:b"),
        ("x:1:2:3", "arn:aws:execute-api:us-east-1:********3333:abc123/prod/GET/x:1:2:3"),
    ],
)
def test_a_denial_masks_the_account_even_when_the_path_holds_colons(path: str, masked: str) -> None:
    # AWS prints the resource's account id masked but its last four digits (recorded:
    # "... on resource: arn:aws:execute-api:us-west-2:********2543:vd2gh6uqw3/api/GET/").
    # The ARN's sixth part, the resource, is the rest of the ARN, colons and all.
    assert denial_message(ALICE, resource(path=path), explicit=False).endswith(
        f"on resource: {masked}"
    )


@pytest.mark.parametrize(
    ("arn", "masked"),
    [
        ("arn:aws:s3:::bucket/a:b", "arn:aws:s3:::bucket/a:b"),  # no account to mask
        ("not-an-arn", "not-an-arn"),
    ],
)
def test_an_arn_without_an_account_is_printed_as_it_is(arn: str, masked: str) -> None:
    assert mask_account(arn) == masked


def test_a_wildcard_matches_a_line_break_in_the_path() -> None:
    # A path parameter may hold an escaped line break (%0A); '*' still covers it.
    assert decide(policy(deny())) == Decision.EXPLICIT_DENY
    assert decide(policy(deny()), res=resource(path="a\nb")) == Decision.EXPLICIT_DENY
    assert decide(policy(allow(f"{API}/prod/GET/a?b")), res=resource(path="a\nb")) == (
        Decision.ALLOW
    )


def test_characters_other_than_wildcards_match_themselves() -> None:
    exact = policy(allow(f"{API}/prod/GET/a$b(c)"))
    assert decide(exact, res=resource(path="a$b(c)")) == Decision.ALLOW
    assert decide(exact, res=resource(path="aXbYcZ")) == Decision.IMPLICIT_DENY


def test_a_principal_named_in_a_policy_file() -> None:
    # Strings read from JSON are equal to, not the same object as, the caller's ARN.
    text = json.dumps({"Statement": [allow(Principal={"AWS": [BOB]})]})
    caller = "arn:aws:iam::" + "444455556666" + ":user/bob"
    assert decide(Policy.parse(text), who=caller) == Decision.ALLOW
