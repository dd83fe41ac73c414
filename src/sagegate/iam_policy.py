"""IAM policy documents that limit who may call `execute-api:Invoke`, evaluated as AWS does.

An explicit Deny wins, then an Allow; anything else is an implicit deny (once a policy is
given, what it does not allow is refused). Actions match case-insensitively, resources
case-sensitively, both with `*` and `?` wildcards. `Condition` and `NotPrincipal` are refused
with a clear message rather than half-supported.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-invoke-api.html
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INVOKE_ACTION = "execute-api:Invoke"
VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal"}
)
_ACCOUNT_ID = re.compile(r"\d{12}")
_ACTION = re.compile(r"\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+")


class PolicyError(ValueError):
    """A policy document that cannot be used; the message names the statement and field."""


class Decision(enum.Enum):
    """The outcome of evaluating a request against a policy."""

    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"


def _wildcard(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    # A wildcard matches any character, a line break too (s); actions ignore case (i).
    return re.compile(("(?is)" if ignore_case else "(?s)") + body)


def _account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed statement; `negated_*` is true for NotAction / NotResource."""

    label: str
    effect: str
    actions: tuple[re.Pattern[str], ...]
    negated_actions: bool
    resources: tuple[re.Pattern[str], ...]
    negated_resources: bool
    principals: tuple[str, ...] | None  # None: no Principal element, so any caller

    def applies(self, principal_arn: str, action: str, resource: str) -> bool:
        """Whether this statement covers the principal, action and resource."""
        if not self._principal_matches(principal_arn):
            return False
        action_hit = any(p.fullmatch(action) for p in self.actions)
        if action_hit == self.negated_actions:
            return False
        resource_hit = any(p.fullmatch(resource) for p in self.resources)
        return resource_hit != self.negated_resources

    def _principal_matches(self, principal_arn: str) -> bool:
        if self.principals is None or "*" in self.principals:
            return True
        account = _account_of(principal_arn)
        for allowed in self.principals:
            if allowed == principal_arn:
                return True
            # An account id, or its root ARN, stands for every principal of that account.
            if account and allowed in (account, f"arn:aws:iam::{account}:root"):
                return True
        return False


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed IAM policy document."""

    version: str
    statements: tuple[Statement, ...]

    @classmethod
    def parse(cls, document: str | Mapping[str, Any]) -> Policy:
        """Parse and validate a policy (JSON text or a decoded mapping)."""
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except ValueError as error:
                raise PolicyError(f"policy is not valid JSON: {error}") from error
        if not isinstance(document, Mapping):
            raise PolicyError("policy must be a JSON object")
        unknown = set(document) - {"Version", "Id", "Statement"}
        if unknown:
            raise PolicyError(f"policy has unknown top-level field(s): {sorted(unknown)}")
        version = document.get("Version", "2008-10-17")
        if version not in VERSIONS:
            raise PolicyError(f"policy Version must be one of {list(VERSIONS)}, not {version!r}")
        raw = document.get("Statement")
        if raw is None:
            raise PolicyError("policy has no Statement")
        items = raw if isinstance(raw, list) else [raw]
        if not items:
            raise PolicyError("policy Statement is empty")
        return cls(version, tuple(_statement(i, item) for i, item in enumerate(items)))

    @classmethod
    def from_file(cls, path: Path) -> Policy:
        """Read and parse a policy file; errors name the file."""
        try:
            return cls.parse(path.read_text(encoding="utf-8"))
        except PolicyError as error:
            raise PolicyError(f"{path}: {error}") from error

    def evaluate(
        self, *, principal_arn: str, resource: str, action: str = INVOKE_ACTION
    ) -> Decision:
        """Explicit Deny, else Allow, else implicit deny."""
        allowed = False
        for statement in self.statements:
            if statement.applies(principal_arn, action, resource):
                if statement.effect == "Deny":
                    return Decision.EXPLICIT_DENY
                allowed = True
        return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _strings(label: str, field: str, value: object) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f"{label}: {field} must be a string or a non-empty list of strings")
    return tuple(values)


def _exactly_one(label: str, item: Mapping[str, Any], name: str) -> tuple[str, bool]:
    present = [key for key in (name, f"Not{name}") if key in item]
    if len(present) != 1:
        raise PolicyError(f"{label}: needs exactly one of {name} or Not{name}")
    return present[0], present[0] != name


def _statement(index: int, item: object) -> Statement:
    label = f"Statement[{index}]"
    if not isinstance(item, Mapping):
        raise PolicyError(f"{label}: must be a JSON object")
    if isinstance(item.get("Sid"), str):
        label += f" (Sid {item['Sid']!r})"
    if "Condition" in item:
        raise PolicyError(f"{label}: Condition is not supported by the local gateway")
    if "NotPrincipal" in item:
        raise PolicyError(f"{label}: NotPrincipal is not supported by the local gateway")
    unknown = set(item) - _STATEMENT_KEYS
    if unknown:
        raise PolicyError(f"{label}: unknown field(s) {sorted(unknown)}")
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{label}: Effect must be 'Allow' or 'Deny', not {effect!r}")
    action_key, not_action = _exactly_one(label, item, "Action")
    actions = _strings(label, action_key, item[action_key])
    for action in actions:
        if not _ACTION.fullmatch(action):
            raise PolicyError(f"{label}: {action_key} {action!r} is not 'service:action' or '*'")
    resource_key, not_resource = _exactly_one(label, item, "Resource")
    resources = _strings(label, resource_key, item[resource_key])
    for resource in resources:
        if resource != "*" and not resource.startswith("arn:"):
            raise PolicyError(f"{label}: {resource_key} {resource!r} is not an ARN or '*'")
    return Statement(
        label=label,
        effect=effect,
        actions=tuple(_wildcard(a, ignore_case=True) for a in actions),
        negated_actions=not_action,
        resources=tuple(_wildcard(r, ignore_case=False) for r in resources),
        negated_resources=not_resource,
        principals=_principals(label, item.get("Principal")),
    )


def _principals(label: str, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if value == "*":
        return ("*",)
    if not isinstance(value, Mapping) or set(value) != {"AWS"}:
        raise PolicyError(f"{label}: Principal must be '*' or {{\"AWS\": [ARNs or account ids]}}")
    principals = _strings(label, "Principal.AWS", value["AWS"])
    for principal in principals:
        if principal != "*" and not (
            _ACCOUNT_ID.fullmatch(principal) or principal.startswith("arn:")
        ):
            raise PolicyError(
                f"{label}: Principal.AWS {principal!r} is not an ARN, account id or '*'"
            )
    return principals


def invoke_resource_arn(
    *, region: str, account_id: str, api_id: str, stage: str, method: str, path: str
) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{METHOD}/{path}` for a call."""
    return (
        f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/"
        f"{method.upper()}/{path.lstrip('/')}"
    )


def mask_account(resource_arn: str) -> str:
    """The ARN with its account id masked but the last four digits, as API Gateway prints it."""
    parts = resource_arn.split(":", 5)
    if len(parts) == 6 and len(parts[4]) > 4:
        parts[4] = "*" * (len(parts[4]) - 4) + parts[4][-4:]
    return ":".join(parts)


def denial_message(
    principal_arn: str, resource_arn: str, *, explicit: bool, mask: bool = True
) -> str:
    """API Gateway's 403 text for a policy denial (body key `Message`).

    `User: ARN is not authorized to perform: execute-api:Invoke on resource: ARN`, with
    ` with an explicit deny` when a Deny statement matched. AWS masks the account id in the
    resource ARN; `mask=False` keeps it whole.
    """
    resource = mask_account(resource_arn) if mask else resource_arn
    text = (
        f"User: {principal_arn} is not authorized to perform: {INVOKE_ACTION} "
        f"on resource: {resource}"
    )
    return text + " with an explicit deny" if explicit else text
