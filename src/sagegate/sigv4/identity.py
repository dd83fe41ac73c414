"""Who may sign requests: access key pairs, and where the verifier looks them up."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

# The one placeholder AWS account of everything local: the gateway's $context.accountId and
# resource ARNs, local identities' ARNs, and the local SageMaker Runtime's messages and ARNs.
DEFAULT_ACCOUNT_ID = "000000000000"
DEFAULT_USER_NAME = "sagegate-local"


def default_user_id(access_key: str) -> str:
    """A stable IAM-style unique id (`AIDA` + 17 characters) for an access key.

    AWS shows the principal id, not the key, in `$context.identity.user` and `caller`; a local
    key has no IAM user behind it, so one is derived from the key, the same on every run.
    """
    digest = hashlib.sha256(access_key.encode("utf-8")).digest()
    return "AIDA" + base64.b32encode(digest).decode("ascii")[:17]


@dataclass(frozen=True, slots=True)
class Identity:
    """An access key pair and the principal it stands for.

    `arn` defaults to `arn:aws:iam::{account_id}:user/sagegate-local` and `user_id` to a stable
    id derived from the access key. Secrets are kept out of `repr`.
    """

    access_key: str
    secret_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    account_id: str = DEFAULT_ACCOUNT_ID
    arn: str = ""
    user_id: str = ""

    def __post_init__(self) -> None:
        if not self.access_key or not self.secret_key:
            raise ValueError("an identity needs an access key and a secret key")
        if not self.arn:
            arn = f"arn:aws:iam::{self.account_id}:user/{DEFAULT_USER_NAME}"
            object.__setattr__(self, "arn", arn)
        if not self.user_id:
            object.__setattr__(self, "user_id", default_user_id(self.access_key))


class IdentityStore(Protocol):
    """Looks an access key up; None when no identity has it."""

    def get(self, access_key: str) -> Identity | None: ...


class StaticIdentityStore:
    """A fixed set of identities, looked up by access key."""

    def __init__(self, identities: Iterable[Identity]) -> None:
        self._by_key: dict[str, Identity] = {}
        for identity in identities:
            if identity.access_key in self._by_key:
                raise ValueError(f"access key {identity.access_key} is given twice")
            self._by_key[identity.access_key] = identity

    def get(self, access_key: str) -> Identity | None:
        """The identity whose access key this is, or None."""
        return self._by_key.get(access_key)

    def __iter__(self) -> Iterator[Identity]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)
