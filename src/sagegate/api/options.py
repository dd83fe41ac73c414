"""What the command line adds to an API's file: region, which API and stage, variables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sagegate.sigv4.identity import DEFAULT_ACCOUNT_ID


@dataclass(frozen=True, slots=True)
class LoadOptions:
    """What the command line adds to a file (all optional)."""

    region: str = "us-east-1"
    account_id: str = DEFAULT_ACCOUNT_ID
    api: str | None = None  # --api LOGICAL_ID
    stage: str | None = None  # --stage NAME
    stage_variables: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)  # template parameters
