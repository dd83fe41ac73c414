"""Metrics named as CloudWatch names them, recorded cheaply and exposed for Prometheus.

`series` holds the per-request aggregates (plain counters and bucket lists, made once per
method plan and per endpoint variant), `registry` the series of one process and their
snapshots, `exposition` the Prometheus text made from a snapshot with prometheus-client.
"""
