"""Request models: each method's JSON Schema draft 4 model, compiled once into a validator.

https://docs.aws.amazon.com/apigateway/latest/developerguide/models-mappings-models.html
A model may refer to another by API Gateway's model URL
(`https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}`), by Swagger's
`#/definitions/{name}` or by OpenAPI 3's `#/components/schemas/{name}`: every form becomes a
local `#/definitions/{name}`, so the validator resolves it without any network. The schemas
compile to Python code with fastjsonschema (draft 4, as API Gateway validates).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import fastjsonschema

from sagegate.api.errors import ApiError
from sagegate.api.model import Model

DRAFT_4 = "http://json-schema.org/draft-04/schema#"
# The models every API has (the CDK's Model.EMPTY_MODEL and Model.ERROR_MODEL).
BUILT_IN: Mapping[str, Mapping[str, Any]] = {
    "Empty": {"$schema": DRAFT_4, "title": "Empty Schema", "type": "object"},
    "Error": {
        "$schema": DRAFT_4,
        "title": "Error Schema",
        "type": "object",
        "properties": {"message": {"type": "string"}},
    },
}
_REF = re.compile(
    r"^(?:https?://apigateway\.amazonaws\.com/restapis/[^/]+/models/|#/definitions/|"
    r"#/components/schemas/)(?P<name>[^/]+)$"
)

BodyCheck = Callable[[Any], Any]


def _local_refs(value: Any, known: Mapping[str, Any], where: str) -> Any:
    """`value` with every model reference rewritten to '#/definitions/NAME'."""
    if isinstance(value, Mapping):
        rewritten = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                found = _REF.match(item)
                if found is not None and found.group("name") in known:
                    rewritten[key] = "#/definitions/" + found.group("name")
                elif item.startswith("#"):
                    rewritten[key] = item  # a definition inside the schema itself
                else:
                    raise ApiError(f"{where}: $ref {item!r} does not name a model of the API")
            elif key != "$schema":
                rewritten[key] = _local_refs(item, known, where)
        return rewritten
    if isinstance(value, list):
        return [_local_refs(item, known, where) for item in value]
    return value


def compile_model(models: Mapping[str, Model], name: str, where: str) -> BodyCheck:
    """The validator of model `name`; `where` names the method for error messages."""
    schemas: dict[str, Any] = dict(BUILT_IN)
    schemas.update({model_name: model.schema for model_name, model in models.items()})
    if name not in schemas:
        raise ApiError(f"{where}: request model {name!r} is not a model of the API")
    definitions = {
        model_name: _local_refs(schema, schemas, f"model {model_name}")
        for model_name, schema in schemas.items()
    }
    root = dict(definitions[name])
    root["$schema"] = DRAFT_4
    root["definitions"] = {**definitions, **root.get("definitions", {})}
    try:
        validate: BodyCheck = fastjsonschema.compile(root)
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        raise ApiError(f"model {name}: not a JSON Schema draft 4 document: {exc}") from None
    return validate
