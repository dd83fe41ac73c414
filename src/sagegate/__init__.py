"""sagegate: the Amazon API Gateway -> Amazon SageMaker endpoint pattern, as Python software."""

# First: decides whether the compiled build of the hot modules is used (see its docstring).
from sagegate import native  # noqa: F401  (imported for its effect, before any other module)
from sagegate.spec import Spec, SpecError

__all__ = ["Spec", "SpecError", "__version__"]
__version__ = "0.1.0"
