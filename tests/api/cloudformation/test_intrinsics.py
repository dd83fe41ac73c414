"""CloudFormation's intrinsic functions, each as the CloudFormation docs define it.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from sagegate.api.cloudformation.intrinsics import Resolver, Unresolvable
from sagegate.api.ids import physical_id

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Name": {"Type": "String", "Default": "ratings"},
        "Size": {"Type": "Number", "Default": 3},
        "Zones": {"Type": "CommaDelimitedList", "Default": "a, b ,c"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "s-1,s-2"},
        "Secret": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/my/param"},
        "Required": {"Type": "String"},
    },
    "Mappings": {"Tiers": {"gold": {"Rate": 50, "Names": ["g1", "g2"]}}},
    "Conditions": {
        "IsGold": {"Fn::Equals": [{"Ref": "Name"}, "ratings"]},
        "IsSilver": {"Fn::Equals": ["silver", {"Ref": "Name"}]},
        "Either": {"Fn::Or": [{"Condition": "IsSilver"}, {"Condition": "IsGold"}]},
        "Both": {"Fn::And": [{"Condition": "IsSilver"}, {"Condition": "IsGold"}]},
        "NotGold": {"Fn::Not": [{"Condition": "IsGold"}]},
    },
    "Resources": {
        "Api": {"Type": "AWS::ApiGateway::RestApi"},
        "Other": {"Type": "AWS::SNS::Topic"},
    },
}


def ref(logical: str, resource: Mapping[str, Any]) -> str:
    return f"id-of-{logical}"


def get_att(logical: str, resource: Mapping[str, Any], attribute: str) -> str:
    if attribute == "Unknown":
        raise Unresolvable(f"{logical}.{attribute} is unknown")
    return f"{logical}-{attribute}"


def resolver(**parameters: str) -> Resolver:
    return Resolver(
        TEMPLATE,
        region="eu-west-1",
        account_id="123456789012",
        stack_name="stack",
        parameters=parameters,
        ref=ref,
        get_att=get_att,
    )


def resolve(value: Any, **parameters: str) -> Any:
    return resolver(**parameters).resolve(value)


def refusal(value: Any) -> str:
    with pytest.raises(Unresolvable) as caught:
        resolve(value)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS::Region", "eu-west-1"),
        ("AWS::AccountId", "123456789012"),
        ("AWS::Partition", "aws"),
        ("AWS::URLSuffix", "amazonaws.com"),
        ("AWS::StackName", "stack"),
        ("AWS::NotificationARNs", []),
        ("Name", "ratings"),
        # "...when you use the parameter elsewhere in your template (for example, by using the
        # Ref intrinsic function), the parameter value becomes a string." (Parameters, AWS docs)
        ("Size", "3"),
        ("Zones", ["a", "b", "c"]),
        ("Subnets", ["s-1", "s-2"]),
        ("Api", "id-of-Api"),
    ],
)
def test_ref_names_a_pseudo_parameter_a_parameter_or_a_resource(name: str, value: Any) -> None:
    assert resolve({"Ref": name}) == value


def test_the_stack_id_is_an_arn_that_is_the_same_at_every_load() -> None:
    assert resolve({"Ref": "AWS::StackId"}) == (
        f"arn:aws:cloudformation:eu-west-1:123456789012:stack/stack/{physical_id('stack', 8)}"
    )


def test_a_given_parameter_wins_over_its_default() -> None:
    assert resolve({"Ref": "Name"}, Name="other") == "other"
    assert resolve({"Ref": "Zones"}, Zones="x ,y") == ["x", "y"]
    assert resolve({"Ref": "Required"}, Required="r") == "r"
    assert resolve({"Ref": "Secret"}, Secret="s") == "s"


def test_what_ref_cannot_know() -> None:
    assert refusal({"Ref": "Required"}) == (
        "Ref Required: the parameter has no Default; pass --parameter Required=VALUE"
    )
    assert refusal({"Ref": "Secret"}) == (
        "Ref Secret: an SSM parameter's value; pass --parameter Secret=VALUE"
    )
    assert refusal({"Ref": "Nothing"}) == "Ref Nothing: no parameter or resource of that name"
    assert refusal({"Ref": ["Name"]}) == "Ref needs a name"


def test_no_value_removes_the_key_or_the_item() -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}, 2], "C": {"D": 1}}
    assert resolve(value) == {"B": [1, 2], "C": {"D": 1}}


def test_a_mapping_of_more_than_one_key_is_data_not_a_function() -> None:
    assert resolve({"Ref": "Name", "Other": {"Ref": "Size"}}) == {"Ref": "Name", "Other": "3"}
    assert resolve({"Refs": "Name"}) == {"Refs": "Name"}


def test_get_att_in_both_forms() -> None:
    assert resolve({"Fn::GetAtt": "Api.RootResourceId"}) == "Api-RootResourceId"
    assert resolve({"Fn::GetAtt": ["Api", {"Fn::Join": ["", ["Root", "ResourceId"]]}]}) == (
        "Api-RootResourceId"
    )
    assert refusal({"Fn::GetAtt": "Missing.Arn"}) == "Fn::GetAtt Missing.Arn: no resource Missing"
    assert refusal({"Fn::GetAtt": "Api.Unknown"}) == "Api.Unknown is unknown"


def test_join_writes_numbers_and_booleans_as_cloudformation_does() -> None:
    joined = resolve({"Fn::Join": ["-", ["a", 1, 2.5, True, False, {"Ref": "Name"}]]})
    assert joined == "a-1-2.5-true-false-ratings"
    assert resolve({"Fn::Join": ["", []]}) == ""
    assert refusal({"Fn::Join": [",", "abc"]}) == "Fn::Join needs a list"
    assert refusal({"Fn::Join": [",", [{"a": 1}]]}) == 'expected a string, got {"a": 1}'


def test_sub_replaces_variables_references_and_attributes() -> None:
    assert resolve({"Fn::Sub": "${AWS::Region}/${Name}/${Api}/${Api.Arn}"}) == (
        "eu-west-1/ratings/id-of-Api/Api-Arn"
    )
    assert resolve({"Fn::Sub": ["${X}-${Name}", {"X": {"Ref": "Size"}}]}) == "3-ratings"
    # ${!Literal} writes ${Literal}.
    assert resolve({"Fn::Sub": "${!Name} costs $5"}) == "${Name} costs $5"
    assert (
        refusal({"Fn::Sub": "${Nope.Arn}"}) == "Ref Nope.Arn: no parameter or resource of that name"
    )


def test_select_and_split() -> None:
    assert resolve({"Fn::Select": [1, ["a", "b", "c"]]}) == "b"
    assert resolve({"Fn::Select": ["2", {"Fn::Split": [",", "a,b,c"]}]}) == "c"
    assert resolve({"Fn::Select": [0, {"Ref": "Zones"}]}) == "a"
    assert refusal({"Fn::Select": [3, ["a", "b", "c"]]}) == "Fn::Select index 3 is out of range"
    assert refusal({"Fn::Select": [-1, ["a"]]}) == "Fn::Select index -1 is out of range"
    assert refusal({"Fn::Select": [0, "a"]}) == "Fn::Select index 0 is out of range"
    assert resolve({"Fn::Split": ["|", "a||b"]}) == ["a", "", "b"]


@pytest.mark.parametrize(
    ("condition", "value"),
    [("IsGold", True), ("IsSilver", False), ("Either", True), ("Both", False), ("NotGold", False)],
)
def test_conditions_and_if(condition: str, value: bool) -> None:
    assert resolver().condition(condition) is value
    assert resolve({"Fn::If": [condition, "yes", {"Ref": "Name"}]}) == (
        "yes" if value else "ratings"
    )


def test_condition_functions_inline_and_their_errors() -> None:
    assert resolve({"Fn::Equals": [3, "3"]}) is True  # compared as the strings they write
    assert resolve({"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}) is True
    assert resolve({"Fn::And": [{"Fn::Equals": [1, 1]}, {"Condition": "IsGold"}]}) is True
    assert resolve({"Fn::Or": [{"Fn::Equals": [1, 2]}, {"Condition": "IsSilver"}]}) is False
    assert resolver().condition({"Fn::Equals": ["a", "a"]}) is True
    assert refusal({"Fn::If": ["Undeclared", 1, 2]}) == "condition 'Undeclared' is not declared"


def test_find_in_map_with_and_without_a_default() -> None:
    assert resolve({"Fn::FindInMap": ["Tiers", "gold", "Rate"]}) == 50
    assert resolve({"Fn::FindInMap": ["Tiers", {"Fn::Sub": "gold"}, "Names"]}) == ["g1", "g2"]
    fallback = {"Fn::FindInMap": ["Tiers", "bronze", "Rate", {"DefaultValue": {"Ref": "Size"}}]}
    assert resolve(fallback) == "3"
    assert refusal({"Fn::FindInMap": ["Tiers", "bronze", "Rate"]}) == (
        "Fn::FindInMap ['Tiers', 'bronze', 'Rate']: no such entry"
    )
    assert refusal({"Fn::FindInMap": ["Nope", "gold", "Rate"]}).startswith("Fn::FindInMap")


def test_base64_and_to_json_string() -> None:
    assert resolve({"Fn::Base64": {"Fn::Sub": "${Name}"}}) == "cmF0aW5ncw=="
    assert resolve({"Fn::ToJsonString": {"a": [1, {"Ref": "Name"}]}}) == '{"a":[1,"ratings"]}'


def test_what_only_aws_knows_is_refused_with_the_reason() -> None:
    assert refusal({"Fn::ImportValue": {"Fn::Sub": "${Name}-url"}}) == (
        'Fn::ImportValue "ratings-url" is another stack\'s export'
    )
    assert refusal({"Fn::GetAZs": ""}) == "Fn::GetAZs is not resolved locally"


def test_text_of_a_value() -> None:
    r = resolver()
    assert [r.text(True), r.text(False), r.text(7), r.text(1.5), r.text("s")] == (
        ["true", "false", "7", "1.5", "s"]
    )
    with pytest.raises(Unresolvable, match=r"^expected a string, got \[1, 2\]$"):
        r.text([1, 2])
