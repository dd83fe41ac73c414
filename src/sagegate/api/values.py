"""Checks shared by the front doors: the shapes API Gateway itself insists on at deploy.

A definition that breaks one is refused with the place and the reason on one line, as
CloudFormation or API Gateway's importer refuses it, never served with a guess (and never a
traceback from deeper in the gateway).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sagegate.api.errors import ApiError

# https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html
# A method request parameter is method.request.{path|querystring|multivaluequerystring|header|
# multivalueheader}.NAME.
METHOD_REQUEST_PARAMETER = re.compile(
    r"^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s]"
    r"[^\s]*$"
)


def string_map(value: Any, where: str) -> dict[str, str]:
    """A mapping of strings to strings ({} for None), such as a template or parameter map.

    A number or Boolean value is written as a string (CloudFormation and the importer both
    coerce scalars in a String map); a list or mapping is refused.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ApiError(f"{where}: must be a mapping of strings, not {type(value).__name__}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool):
            item = "true" if item else "false"
        elif isinstance(item, int | float):
            item = str(item)
        elif item is None:
            item = ""
        elif not isinstance(item, str):
            raise ApiError(f"{where}.{key}: must be a string, not {type(item).__name__}")
        out[str(key)] = item
    return out


def method_request_parameters(value: Mapping[str, bool], where: str) -> dict[str, bool]:
    """Method request parameters, each named method.request.LOCATION.NAME."""
    for name in value:
        if not METHOD_REQUEST_PARAMETER.match(name):
            raise ApiError(
                f"{where}.{name}: not a method request parameter "
                "(method.request.path|querystring|header.NAME)"
            )
    return dict(value)


def text(value: Any, where: str) -> str | None:
    """An optional string property (None when absent); a list or mapping is refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    raise ApiError(f"{where}: must be a string, not {type(value).__name__}")


_BOOLEANS = {"true": True, "false": False}


def boolean(value: Any) -> bool | None:
    """A Boolean as CloudFormation and API Gateway's importer take one: true or false, or the
    strings "true" and "false" in any case (Python's truth would read "false" as true);
    None for anything else."""
    if isinstance(value, bool):
        return value
    return _BOOLEANS.get(value.lower()) if isinstance(value, str) else None
