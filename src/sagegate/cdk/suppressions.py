"""The cfn_nag and CloudFormation Guard suppressions upstream writes into resource metadata.

They are part of the template, so they are part of parity: the same `Metadata` blocks, with
the same rules in the same order.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource, Resource
from constructs import IConstruct


def _cfn(resource: IConstruct, *, default_child: bool) -> CfnResource:
    if isinstance(resource, Resource):
        child = (
            resource.node.default_child if default_child else resource.node.find_child("Resource")
        )
        assert isinstance(child, CfnResource)
        return child
    assert isinstance(resource, CfnResource)
    return resource


def add_cfn_nag_suppressions(resource: IConstruct, rules: list[dict[str, str]]) -> None:
    """Append cfn_nag `rules_to_suppress` (each `{"id": ..., "reason": ...}`)."""
    cfn = _cfn(resource, default_child=True)
    existing: Any = cfn.get_metadata("cfn_nag")
    if isinstance(existing, dict) and isinstance(existing.get("rules_to_suppress"), list):
        cfn.add_metadata(
            "cfn_nag", {**existing, "rules_to_suppress": [*existing["rules_to_suppress"], *rules]}
        )
    else:
        cfn.add_metadata("cfn_nag", {"rules_to_suppress": rules})


def add_guard_suppressions(resource: IConstruct, rules: list[str]) -> None:
    """Append CloudFormation Guard `SuppressedRules`."""
    cfn = _cfn(resource, default_child=False)
    existing: Any = cfn.get_metadata("guard")
    if isinstance(existing, dict) and isinstance(existing.get("SuppressedRules"), list):
        cfn.add_metadata(
            "guard", {**existing, "SuppressedRules": [*existing["SuppressedRules"], *rules]}
        )
    else:
        cfn.add_metadata("guard", {"SuppressedRules": rules})
