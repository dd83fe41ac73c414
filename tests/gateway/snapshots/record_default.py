"""Record the default API's answers to a fixed set of requests (run with `python -m`).

Run on the commit before the API model (2cf8f3f) to write default_spec.json, which
tests/gateway/test_default_bytes.py holds today's answers to, byte for byte (see its
docstring for the one deliberate change since).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from sagegate.testing import GatewayTestClient

VOLATILE = {"x-amzn-requestid", "x-amz-apigw-id", "x-amzn-trace-id"}
REQUESTS: list[dict[str, Any]] = [
    {"path": "/prod/predicted-ratings/321", "query": "items=101%2C131%2C162"},
    {"path": "/prod/predicted-ratings/321/", "query": "items=101%2C131%2C162"},
    {"path": "/prod/predicted-ratings/1", "query": "items=1"},
    {"path": "/prod/predicted-ratings/321"},
    {"path": "/prod/predicted-ratings/321", "query": "items="},
    {"path": "/prod/predicted-ratings/%20", "query": "items=1"},
    {"path": "/prod/predicted-ratings/321", "query": "items=abc"},
    {"path": "/prod/predicted-ratings/99999", "query": "items=1"},
    {
        "path": "/prod/predicted-ratings/321",
        "query": "items=1",
        "headers": {"Content-Type": "text/plain"},
    },
    {
        "path": "/prod/predicted-ratings/321",
        "query": "items=1",
        "headers": {"Content-Type": "application/json; charset=utf-8"},
    },
    {"path": "/prod/predicted-ratings/321", "query": "items=1", "sign": False},
    {"path": "/prod/predicted-ratings/321", "query": "items=1", "method": "POST"},
    {"path": "/prod/nothing", "query": ""},
    {"path": "/dev/predicted-ratings/321", "query": "items=1"},
    {"path": "/prod/predicted-ratings/321", "query": "items=1", "headers": {"Accept": "text/html"}},
]


def record() -> list[dict[str, Any]]:
    """Every request's status, stable headers, body and access-log shape."""
    answers = []
    with GatewayTestClient() as client:
        for item in REQUESTS:
            response = client.request(
                item.get("method", "GET"),
                item["path"],
                query=item.get("query", ""),
                headers=item.get("headers"),
                sign=item.get("sign", True),
            )
            log = json.loads(response.access_log_line or "{}")
            for key in ("requestId", "requestTime", "user", "caller"):
                log.pop(key, None)
            answers.append(
                {
                    "request": item,
                    "status": response.status,
                    "headers": sorted(
                        [k, v] for k, v in response.headers.items() if k not in VOLATILE
                    ),
                    "header_names": sorted(response.headers),
                    "body": response.body.decode("latin-1"),
                    "log": log,
                }
            )
    return answers


if __name__ == "__main__":
    json.dump(record(), sys.stdout, indent=1)
    sys.stdout.write("\n")
