"""sagegate: the Amazon API Gateway -> Amazon SageMaker endpoint pattern, as Python software."""

__version__ = "0.1.0"
