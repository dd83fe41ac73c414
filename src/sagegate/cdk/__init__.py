"""The CDK construct: `from sagegate.cdk import ApiGatewayToSageMakerEndpoint`.

A drop-in replacement for `aws_solutions_constructs.aws_apigateway_sagemakerendpoint`'s
construct of the same name. It needs the `cdk` extra: `make cdk` in a clone of sagegate
(`pip install 'sagegate[cdk]'` where sagegate is installed from a package index).
"""

from __future__ import annotations

import os

# jsii starts Node.js when aws_cdk is imported and, on a Node.js release past its end of life
# for jsii, prints an 11-line banner on every run. sagegate's CDK path is tested on Node.js
# 20, so for it the banner is noise; a value the user set is kept.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

try:
    import aws_cdk  # noqa: F401
    import constructs  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    # Named as it works from a clone, which is how sagegate is installed.
    raise ImportError(
        "sagegate.cdk needs the AWS CDK (aws-cdk-lib>=2.273.0,<3 and constructs>=10,<11): "
        "run `make cdk` (or `.venv/bin/pip install -e '.[cdk]'`) in the sagegate clone"
    ) from exc

from sagegate.cdk.construct import ApiGatewayToSageMakerEndpoint

__all__ = ["ApiGatewayToSageMakerEndpoint"]
