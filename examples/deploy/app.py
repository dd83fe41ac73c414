"""A CDK app that deploys the movie-ratings API in front of your SageMaker endpoint.

From this directory, with the CDK CLI (`npm i -g aws-cdk`) and `make cdk` run once in the
repository root: `cdk synth`, `cdk bootstrap` (once per account and region), `cdk deploy`.
cdk.json runs this file with the repository's virtual environment (in a project of your
own, point its "app" at your environment's python). Its context sets the feature flags that
`cdk init` sets for a new project, which quiets the CLI's "feature flags are not configured"
notice, but keeps "@aws-cdk/aws-iam:minimizePolicies" off: on, it would only reorder one
policy's actions, and off, the template is the one `sagegate synth` prints, byte for byte.
"""

import aws_cdk as cdk

from sagegate.cdk import ApiGatewayToSageMakerEndpoint
from sagegate.spec import BLOG_REQUEST_TEMPLATE, BLOG_RESPONSE_TEMPLATE

app = cdk.App()
stack = cdk.Stack(app, "MovieRatings")
ApiGatewayToSageMakerEndpoint(
    stack,
    "Api",
    endpoint_name="movie-ratings",  # your deployed SageMaker endpoint
    resource_name="predicted-ratings",
    resource_path="{user_id}",
    request_mapping_template=BLOG_REQUEST_TEMPLATE,
    response_mapping_template=BLOG_RESPONSE_TEMPLATE,
    required_parameters=["items"],  # beyond upstream: 400 when ?items= is missing
)
app.synth()
