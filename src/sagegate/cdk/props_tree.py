"""Construct props as plain trees, merged the way the Solutions Constructs merge them.

The upstream construct merges a user's props into its defaults in JavaScript with the
`deepmerge` package (`consolidateProps` in `@aws-solutions-constructs/core`): plain objects
merge key by key, arrays are *replaced* by the user's array, and anything else (a class
instance such as a `Role` or an `AccessLogFormat`) is taken as given. To produce the same
CloudFormation from Python, props are turned into trees of `StructNode` (a jsii struct, which
remembers its struct class so it can be rebuilt), `dict` (a map such as `methodOptions`),
`list` and leaves, merged with the same rules, and rebuilt into jsii structs for the CDK call.

https://github.com/awslabs/aws-solutions-constructs/blob/main/source/patterns/%40aws-solutions-constructs/core/lib/utils.ts
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StructNode(dict[str, Any]):
    """A jsii struct as a dict of its snake_case fields, rebuilt by `build`."""

    def __init__(self, struct_type: type, fields: Mapping[str, Any]) -> None:
        super().__init__(fields)
        self.struct_type = struct_type

    def js_name(self, field: str) -> str:
        """The field's name on the JavaScript side (e.g. `deploy_options` -> `deployOptions`)."""
        mapping: Mapping[str, str] = getattr(self.struct_type, "__jsii_name_mapping__", {})
        return mapping.get(field, field)

    def kwargs(self) -> dict[str, Any]:
        """The fields as keyword arguments for a CDK call, nested structs rebuilt."""
        return {key: from_tree(value) for key, value in self.items()}

    def build(self) -> Any:
        """The jsii struct instance this node stands for, nested structs rebuilt too."""
        return self.struct_type(**self.kwargs())


def node(struct_type: type, **fields: Any) -> StructNode:
    """A struct node with `fields` in the given order (the order upstream's defaults list them).

    Order matters only for the order of override warnings, which follows the defaults' keys.
    """
    return StructNode(struct_type, {key: to_tree(value) for key, value in fields.items()})


def is_struct(value: object) -> bool:
    """True for a jsii struct instance (a data type, passed by value to JavaScript)."""
    return hasattr(type(value), "__jsii_struct_bases__") and hasattr(value, "_values")


def to_tree(value: Any) -> Any:
    """A jsii struct (or a map or list of them) as a tree; other values are leaves."""
    if isinstance(value, StructNode):
        return StructNode(value.struct_type, {k: to_tree(v) for k, v in value.items()})
    if is_struct(value):
        return StructNode(type(value), {k: to_tree(v) for k, v in value._values.items()})
    if isinstance(value, Mapping):
        return {key: to_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_tree(item) for item in value]
    return value


def from_tree(value: Any) -> Any:
    """The inverse of `to_tree`: struct nodes become jsii structs again."""
    if isinstance(value, StructNode):
        return value.build()
    if isinstance(value, Mapping):
        return {key: from_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_tree(item) for item in value]
    return value


def is_mergeable(value: object) -> bool:
    """deepmerge's `isMergeableObject` as upstream configures it: plain objects and arrays."""
    return isinstance(value, Mapping | list)


def _clone(value: Any) -> Any:
    # deepmerge's cloneUnlessOtherwiseSpecified: copies plain objects, keeps the rest as is.
    if isinstance(value, Mapping):
        return _merge_objects(_empty_like(value), value)
    return value


def _empty_like(value: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, StructNode):
        return StructNode(value.struct_type, {})
    return {}


def _merge_objects(target: Any, source: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any]
    if isinstance(target, StructNode):
        result = StructNode(target.struct_type, {})
    elif isinstance(source, StructNode):
        result = StructNode(source.struct_type, {})
    else:
        result = {}
    if isinstance(target, Mapping):
        for key, item in target.items():
            result[key] = _clone(item)
    for key, item in source.items():
        if isinstance(target, Mapping) and key in target and is_mergeable(item):
            result[key] = merge(target[key], item)
        else:
            result[key] = _clone(item)
    return result


def merge(target: Any, source: Any) -> Any:
    """deepmerge(target, source) with upstream's options (arrays: the source's wins)."""
    if isinstance(source, list) != isinstance(target, list):
        return _clone(source)
    if isinstance(source, list):
        return source
    if not isinstance(source, Mapping):
        return source
    return _merge_objects(target, source)
