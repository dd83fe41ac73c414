"""The local REST API: Amazon API Gateway's request chain, served on one machine."""
