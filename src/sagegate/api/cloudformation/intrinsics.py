"""CloudFormation's intrinsic functions, resolved locally where a value is needed.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::If` (with the
condition functions), `Fn::FindInMap`, `Fn::Base64` and `Fn::ToJsonString`, and the pseudo
parameters. A resource's `Ref` is its physical id as CloudFormation would name it (for API
Gateway: the API, resource and key ids; a stage's name; a model's name); those ids are made
from the logical id, so they are the same at every load. What cannot be known without AWS
(`Fn::ImportValue`, an SSM parameter's value, an attribute of a resource we do not model)
raises `Unresolvable`, and the reader names the resource and property that needed it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sagegate.api.ids import physical_id

_NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def cfn_text(value: Any) -> str:
    """A scalar as CloudFormation writes it as a string: booleans lower-case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _equal_text(value: Any) -> Any:
    return value if isinstance(value, list | dict) else cfn_text(value)


class Unresolvable(ValueError):
    """A value that cannot be computed without AWS; the message says which and why."""


class Resolver:
    """Evaluates intrinsic functions over one template."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        region: str,
        account_id: str,
        stack_name: str,
        parameters: Mapping[str, str],
        ref: Callable[[str, Mapping[str, Any]], Any],
        get_att: Callable[[str, Mapping[str, Any], str], Any],
        include: Callable[[str], Any] | None = None,
    ) -> None:
        """`ref(logical_id, resource)` and `get_att(logical_id, resource, attribute)` answer
        for resources; they raise Unresolvable for what they do not know."""
        self.template = template
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.region = region
        self.account_id = account_id
        self.stack_name = stack_name
        self.parameters = parameters
        self._ref = ref
        self._get_att = get_att
        self._include = include

    @property
    def pseudo(self) -> dict[str, Any]:
        """The pseudo parameters' values."""
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account_id}:stack/"
                f"{self.stack_name}/{physical_id(self.stack_name, 8)}"
            ),
            "AWS::NotificationARNs": [],
        }

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated (AWS::NoValue drops the key)."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref" or key.startswith("Fn::"):
                    return self._function(key, argument)
            resolved = {}
            for key, item in value.items():
                result = self.resolve(item)
                if result is not _NO_VALUE:
                    resolved[key] = result
            return resolved
        if isinstance(value, list):
            return [r for r in (self.resolve(item) for item in value) if r is not _NO_VALUE]
        return value

    def text(self, value: Any) -> str:
        """A resolved value that must be a string (numbers are written as CloudFormation does)."""
        resolved = self.resolve(value)
        if isinstance(resolved, bool | int | float):
            return cfn_text(resolved)
        if not isinstance(resolved, str):
            raise Unresolvable(f"expected a string, got {json.dumps(resolved)[:80]}")
        return resolved

    def _function(self, name: str, argument: Any) -> Any:
        if name == "Ref":
            return self._ref_value(argument)
        if name == "Fn::GetAtt":
            if isinstance(argument, str):
                logical, _, attribute = argument.partition(".")
            else:
                logical, attribute = argument[0], self.text(argument[1])
            return self._attribute(logical, attribute)
        if name == "Fn::Join":
            delimiter, items = argument
            values = self.resolve(items)
            if not isinstance(values, list):
                raise Unresolvable("Fn::Join needs a list")
            return self.text(delimiter).join(self.text(item) for item in values)
        if name == "Fn::Sub":
            return self._sub(argument)
        if name == "Fn::Select":
            index, items = argument
            values = self.resolve(items)
            position = int(self.resolve(index))
            if not isinstance(values, list) or not 0 <= position < len(values):
                raise Unresolvable(f"Fn::Select index {position} is out of range")
            return values[position]
        if name == "Fn::Split":
            delimiter, source = argument
            return self.text(source).split(self.text(delimiter))
        if name == "Fn::If":
            condition, when_true, when_false = argument
            return self.resolve(when_true if self.condition(condition) else when_false)
        if name == "Fn::FindInMap":
            return self._find_in_map(argument)
        if name == "Fn::Base64":
            return base64.b64encode(self.text(argument).encode()).decode()
        if name == "Fn::ToJsonString":
            return json.dumps(self.resolve(argument), separators=(",", ":"))
        if name in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            return self._condition_function(name, argument)
        if name == "Fn::Transform":
            return self._transform(argument)
        if name == "Fn::ImportValue":
            raise Unresolvable(
                f"Fn::ImportValue {json.dumps(self.resolve(argument))} is another stack's export"
            )
        raise Unresolvable(f"{name} is not resolved locally")

    def _ref_value(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise Unresolvable("Ref needs a name")
        if name == "AWS::NoValue":
            return _NO_VALUE
        pseudo = self.pseudo
        if name in pseudo:
            return pseudo[name]
        parameters = self.template.get("Parameters") or {}
        if name in parameters:
            return self._parameter(name, parameters[name])
        if name in self.resources:
            return self._ref(name, self.resources[name])
        raise Unresolvable(f"Ref {name}: no parameter or resource of that name")

    def _parameter(self, name: str, declaration: Mapping[str, Any]) -> Any:
        if name in self.parameters:
            value: Any = self.parameters[name]
        elif "Default" in declaration:
            if str(declaration.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                raise Unresolvable(
                    f"Ref {name}: an SSM parameter's value; pass --parameter {name}=VALUE"
                )
            value = declaration["Default"]
        else:
            raise Unresolvable(
                f"Ref {name}: the parameter has no Default; pass --parameter {name}=VALUE"
            )
        if isinstance(value, list):  # a YAML list as a List<> parameter's Default
            value = ",".join(cfn_text(item) for item in value)
        # A parameter's value is a string (`Default: false` in YAML is "false"), so that
        # `!Equals [!Ref Flag, "true"]` and a Boolean property read it as CloudFormation does.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
        value = cfn_text(value)
        if (
            str(declaration.get("Type", "")).startswith("List<")
            or declaration.get("Type") == "CommaDelimitedList"
        ):
            return [item.strip() for item in value.split(",")]
        return value

    def _attribute(self, logical: str, attribute: str) -> Any:
        resource = self.resources.get(logical)
        if resource is None:
            raise Unresolvable(f"Fn::GetAtt {logical}.{attribute}: no resource {logical}")
        return self._get_att(logical, resource, attribute)

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, list):
            source, variables = argument[0], self.resolve(argument[1])
        else:
            source, variables = argument, {}
        template = self.text(source)

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.text(variables[name])
            if "." in name and name.split(".", 1)[0] in self.resources:
                logical, attribute = name.split(".", 1)
                return self.text(self._attribute(logical, attribute))
            return self.text({"Ref": name})

        return _SUB_VARIABLE.sub(substitute, template)

    def _transform(self, argument: Any) -> Any:
        """`Fn::Transform` with `AWS::Include`: the snippet at Location, its own intrinsics
        resolved in this template. A local path is what `aws cloudformation package` (and
        `sam deploy`) upload; an S3 object, or another macro, cannot be read locally.

        https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/create-reusable-transform-function-snippets-and-add-to-your-template-with-aws-include-transform.html
        """
        if not isinstance(argument, Mapping):
            raise Unresolvable("Fn::Transform needs Name and Parameters")
        name = argument.get("Name")
        if name != "AWS::Include":
            raise Unresolvable(f"Fn::Transform {name!r} is a macro, which does not run locally")
        parameters = argument.get("Parameters")
        location = parameters.get("Location") if isinstance(parameters, Mapping) else None
        location = self.text(location) if location is not None else None
        if not location:
            raise Unresolvable("Fn::Transform AWS::Include needs Parameters.Location")
        if location.startswith("s3://") or location.startswith("https://"):
            raise Unresolvable(
                f"AWS::Include of {location}: a file in S3 is not read locally; set Location "
                "to the local file (as before `aws cloudformation package`)"
            )
        if self._include is None:
            raise Unresolvable(f"AWS::Include of {location} is not read here")
        return self.resolve(self._include(location))

    def _find_in_map(self, argument: Any) -> Any:
        names = [self.text(item) for item in argument[:3]]
        mappings = self.template.get("Mappings") or {}
        try:
            return self.resolve(mappings[names[0]][names[1]][names[2]])
        except (KeyError, TypeError):
            if len(argument) > 3 and isinstance(argument[3], Mapping):
                return self.resolve(argument[3].get("DefaultValue"))
            raise Unresolvable(f"Fn::FindInMap {names}: no such entry") from None

    def condition(self, name: Any) -> bool:
        """The value of a named condition (or an inline condition function)."""
        if isinstance(name, Mapping):
            return bool(self.resolve(name))
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise Unresolvable(f"condition {name!r} is not declared")
        return bool(self.resolve(conditions[name]))

    def _condition_function(self, name: str, argument: Any) -> bool:
        if name == "Fn::Equals":
            # Compared as strings, as CloudFormation compares them: a YAML `true` equals "true".
            left, right = (self.resolve(item) for item in argument)
            return bool(_equal_text(left) == _equal_text(right))
        if name == "Fn::Not":
            return not self._truth(argument[0])
        if name == "Fn::And":
            return all(self._truth(item) for item in argument)
        return any(self._truth(item) for item in argument)

    def _truth(self, item: Any) -> bool:
        if isinstance(item, Mapping) and set(item) == {"Condition"}:
            return self.condition(item["Condition"])
        return bool(self.resolve(item))
