"""The CDK construct: `from sagegate.cdk import ApiGatewayToSageMakerEndpoint`.

A drop-in replacement for `aws_solutions_constructs.aws_apigateway_sagemakerendpoint`'s
construct of the same name. It needs the `cdk` extra (`pip install 'sagegate[cdk]'`).
"""

from __future__ import annotations

try:
    import aws_cdk  # noqa: F401
    import constructs  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "sagegate.cdk needs the AWS CDK: pip install 'sagegate[cdk]' "
        "(aws-cdk-lib>=2.273.0,<3 and constructs>=10,<11)"
    ) from exc

from sagegate.cdk.construct import ApiGatewayToSageMakerEndpoint

__all__ = ["ApiGatewayToSageMakerEndpoint"]
