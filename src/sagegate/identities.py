"""Which identities may call an `AWS_IAM` API locally.

The standard AWS credentials when there are any (environment variables, or a profile in the
shared credentials or config file), read through botocore's providers but never the ones that
reach the network (instance metadata, containers, SSO, STS role assumption). Otherwise a local
key pair, created once with AWS's key formats and kept, mode 0600, in the user's config
directory (`SAGEGATE_CONFIG_DIR` overrides it).
https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html
"""

from __future__ import annotations

import json
import os
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs
from botocore.configloader import load_config
from botocore.credentials import (
    ConfigProvider,
    CredentialResolver,
    EnvProvider,
    SharedCredentialProvider,
)

from sagegate.sigv4 import Identity, IdentityStore, StaticIdentityStore

CONFIG_DIR_VARIABLE = "SAGEGATE_CONFIG_DIR"
KEY_FILE_NAME = "local-credentials.json"
Source = Literal["env", "shared-credentials-file", "config-file", "local-key-file"]

_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


@dataclass(frozen=True, slots=True)
class LocalIdentities:
    """The identities that may call the local API, and where they came from.

    `created` is true only on the call that generated the local key pair; `path` is that
    key file (None for AWS credentials).
    """

    primary: Identity
    store: IdentityStore
    source: Source
    created: bool = False
    path: Path | None = None


def new_access_key() -> str:
    """An access key id shaped like AWS's: `AKIA` and 16 upper-case letters or digits."""
    return "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))


def new_secret_key() -> str:
    """A 40-character secret access key, from the same alphabet AWS uses."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def config_dir_for(environ: Mapping[str, str]) -> Path:
    """`SAGEGATE_CONFIG_DIR` if set, else the platform's user config directory for sagegate."""
    override = environ.get(CONFIG_DIR_VARIABLE)
    return Path(override) if override else platformdirs.user_config_path("sagegate")


def load_identities(
    *, config_dir: Path | None = None, environ: Mapping[str, str] = os.environ
) -> LocalIdentities:
    """The standard AWS credentials if present, else the local key pair (created once)."""
    found = aws_credentials(environ)
    if found is not None:
        identity, source = found
        return LocalIdentities(identity, StaticIdentityStore([identity]), source)
    directory = config_dir if config_dir is not None else config_dir_for(environ)
    identity, path, created = local_key_pair(directory)
    return LocalIdentities(
        identity, StaticIdentityStore([identity]), "local-key-file", created, path
    )


def _expand(path: str, environ: Mapping[str, str]) -> str:
    # `~` follows the given environment, so a test's HOME is honoured, not the real one.
    home = environ.get("HOME")
    if home and (path == "~" or path.startswith("~/")):
        return home + path[1:]
    return os.path.expanduser(path)


def aws_credentials(environ: Mapping[str, str]) -> tuple[Identity, Source] | None:
    """Static AWS credentials from the environment or the profile files, without network."""
    profile = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"
    credentials_file = _expand(
        environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"), environ
    )
    config_file = _expand(environ.get("AWS_CONFIG_FILE", "~/.aws/config"), environ)
    resolver = CredentialResolver(
        providers=[
            EnvProvider(environ=dict(environ)),
            SharedCredentialProvider(creds_filename=credentials_file, profile_name=profile),
            ConfigProvider(
                config_filename=config_file,
                profile_name=profile,
                config_parser=load_config,
            ),
        ]
    )
    credentials = resolver.load_credentials()
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    source: Source = {
        "env": "env",
        "shared-credentials-file": "shared-credentials-file",
    }.get(credentials.method, "config-file")  # type: ignore[assignment]
    identity = Identity(frozen.access_key, frozen.secret_key, frozen.token or None)
    return identity, source


def local_key_pair(directory: Path) -> tuple[Identity, Path, bool]:
    """(identity, key file, created): the pair kept in `directory`, made on first use.

    Creation is atomic and exclusive (written aside, then hard-linked into place), so
    several workers starting at once end up sharing one pair.
    """
    path = directory / KEY_FILE_NAME
    if path.exists():
        return _read_key_file(path), path, False
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    record = {"aws_access_key_id": new_access_key(), "aws_secret_access_key": new_secret_key()}
    aside = directory / f".{KEY_FILE_NAME}.{secrets.token_hex(8)}"
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
            handle.write("\n")
        os.link(aside, path)
    except FileExistsError:
        return _read_key_file(path), path, False
    finally:
        aside.unlink(missing_ok=True)
    return _read_key_file(path), path, True


def _read_key_file(path: Path) -> Identity:
    # A key file others can read is a leaked secret; keep it private even if it was loosened.
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return Identity(record["aws_access_key_id"], record["aws_secret_access_key"])
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{path} is not a sagegate key file ({error}); delete it to create a new key pair"
        ) from error
