"""`consolidateProps`: defaults, then the user's props (with warnings), then the construct's.

https://github.com/awslabs/aws-solutions-constructs/blob/main/source/patterns/%40aws-solutions-constructs/core/lib/utils.ts
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from sagegate.cdk.override_warnings import flag_overridden_defaults, warnings_enabled
from sagegate.cdk.props_tree import StructNode, merge


def consolidate_props(
    scope: Construct,
    default_props: StructNode,
    client_props: Any = None,
    construct_props: StructNode | None = None,
) -> StructNode:
    """The props to build with; priority: construct props, then the client's, then defaults.

    Overriding a default with the client's props prints upstream's warning; the construct's
    own props override silently, as upstream.
    """
    result: Any = default_props
    if client_props is not None:
        if warnings_enabled():
            # An enum's JavaScript value (AuthorizationType.IAM is 'AWS_IAM' there).
            flag_overridden_defaults(result, client_props, render_enum=Stack.of(scope).resolve)
        result = merge(result, client_props)
    if construct_props is not None:
        result = merge(result, construct_props)
    assert isinstance(result, StructNode)
    return result
