"""CloudFormation templates (as `cdk synth` writes them, or by hand) as the API model."""

from sagegate.api.cloudformation.reader import api_from_template

__all__ = ["api_from_template"]
