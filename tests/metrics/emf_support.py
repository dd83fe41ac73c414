"""Reading `--metrics-emf` files: each line checked against the EMF specification.

The schema is written from the specification's text
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
a root object with `_aws` (Timestamp in ms, CloudWatchMetrics: MetricDirectives of
Namespace, Dimensions as arrays of at most 30 dimension names, Metrics of at most 100
MetricDefinitions: Name, optional Unit from CloudWatch's list and StorageResolution 1 or
60), objects of the specification holding no other members. The target members (every
dimension and metric a directive names) are checked beside it: a dimension's value is a
string, a metric's value a number or an array of at most 100 numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import fastjsonschema

UNITS = [
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
]  # fmt: skip

_NAME = {"type": "string", "minLength": 1, "maxLength": 1024}
EMF_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "additionalProperties": False,
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "LogGroupName": {"type": "string"},
                "CloudWatchMetrics": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "additionalProperties": False,
                        "properties": {
                            "Namespace": {"type": "string", "minLength": 1, "maxLength": 1024},
                            "Dimensions": {
                                "type": "array",
                                "items": {
                                    "type": "array",
                                    "maxItems": 30,
                                    "items": {"type": "string", "minLength": 1, "maxLength": 250},
                                },
                            },
                            "Metrics": {
                                "type": "array",
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "Name": _NAME,
                                        "Unit": {"enum": UNITS},
                                        "StorageResolution": {"enum": [1, 60]},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}  # fmt: skip
_validate = fastjsonschema.compile(EMF_SCHEMA)


def check_line(line: str) -> dict[str, Any]:
    """One EMF line, parsed and checked (schema and target members); returns it."""
    document = json.loads(line)
    _validate(document)
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for name in dimension_set:
                assert isinstance(document.get(name), str), f"dimension {name} has no value"
        for metric in directive["Metrics"]:
            value = document.get(metric["Name"])
            values = value if isinstance(value, list) else [value]
            assert 1 <= len(values) <= 100, f"{metric['Name']}: {len(values)} values"
            for item in values:
                assert isinstance(item, int | float) and not isinstance(item, bool), value
    return document


def read_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of an EMF file, each checked."""
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), "the file ends with a whole line"
    return [check_line(line) for line in text.splitlines()]


def namespace_of(document: dict[str, Any]) -> str:
    """The namespace of a line's (only) directive."""
    directives = document["_aws"]["CloudWatchMetrics"]
    assert len(directives) == 1
    return str(directives[0]["Namespace"])


def total(documents: Iterable[dict[str, Any]], namespace: str, metric: str, **dims: str) -> float:
    """The sum of `metric` over the lines of `namespace` whose dimensions match `dims`."""
    found = 0.0
    for document in documents:
        if namespace_of(document) != namespace or metric not in document:
            continue
        if any(document.get(name) != value for name, value in dims.items()):
            continue
        value = document[metric]
        found += sum(value) if isinstance(value, list) else value
    return found


def samples(documents: Iterable[dict[str, Any]], namespace: str, metric: str) -> list[float]:
    """Every value of `metric` (a latency) over the lines of `namespace`."""
    out: list[float] = []
    for document in documents:
        if namespace_of(document) == namespace and metric in document:
            value = document[metric]
            out.extend(value if isinstance(value, list) else [value])
    return out
