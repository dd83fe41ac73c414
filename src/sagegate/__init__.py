"""sagegate: the Amazon API Gateway -> Amazon SageMaker endpoint pattern, as Python software."""

from sagegate.spec import Spec, SpecError

__all__ = ["Spec", "SpecError", "__version__"]
__version__ = "0.1.0"
