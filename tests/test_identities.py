"""Local identities: AWS credentials preferred; otherwise one key pair, created once, 0600."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from sagegate.identities import KEY_FILE_NAME, load_identities, new_access_key, new_secret_key


def isolated(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment that cannot see the real user's AWS files."""
    return {
        "HOME": str(tmp_path / "home"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
    } | extra


def test_key_formats_are_aws_like() -> None:
    keys = {new_access_key() for _ in range(50)}
    assert len(keys) == 50
    assert all(re.fullmatch(r"AKIA[A-Z0-9]{16}", key) for key in keys)
    assert all(len(new_secret_key()) == 40 for _ in range(10))


def test_local_pair_is_created_once_with_0600_and_reused(tmp_path: Path) -> None:
    config = tmp_path / "config"
    first = load_identities(config_dir=config, environ=isolated(tmp_path))
    assert (first.source, first.created) == ("local-key-file", True)
    assert first.path == config / KEY_FILE_NAME
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600
    assert [p.name for p in config.iterdir()] == [KEY_FILE_NAME]
    second = load_identities(config_dir=config, environ=isolated(tmp_path))
    assert (second.created, second.primary) == (False, first.primary)
    assert second.store.get(first.primary.access_key) == first.primary
    assert second.store.get("AKIAOTHER") is None


def test_config_dir_comes_from_the_environment(tmp_path: Path) -> None:
    environ = isolated(tmp_path, SAGEGATE_CONFIG_DIR=str(tmp_path / "from-env"))
    found = load_identities(environ=environ)
    assert found.path == tmp_path / "from-env" / KEY_FILE_NAME


def test_loosened_key_file_is_made_private_again(tmp_path: Path) -> None:
    made = load_identities(config_dir=tmp_path, environ=isolated(tmp_path))
    assert made.path is not None
    made.path.chmod(0o644)
    load_identities(config_dir=tmp_path, environ=isolated(tmp_path))
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600


def test_broken_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE_NAME).write_text("{}")
    with pytest.raises(ValueError, match="not a sagegate key file"):
        load_identities(config_dir=tmp_path, environ=isolated(tmp_path))


def test_environment_credentials_are_preferred(tmp_path: Path) -> None:
    environ = isolated(
        tmp_path,
        AWS_ACCESS_KEY_ID="AKIAENVIRONMENT00001",
        AWS_SECRET_ACCESS_KEY="env-secret",
        AWS_SESSION_TOKEN="env-token",
    )
    found = load_identities(config_dir=tmp_path / "unused", environ=environ)
    assert found.source == "env"
    assert found.primary.access_key == "AKIAENVIRONMENT00001"
    assert found.primary.session_token == "env-token"
    assert (found.created, found.path) == (False, None)
    assert not (tmp_path / "unused").exists()


def test_shared_credentials_profile(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = d\n"
        "[work]\naws_access_key_id = AKIAWORK000000000001\naws_secret_access_key = w\n"
    )
    environ = isolated(tmp_path, AWS_SHARED_CREDENTIALS_FILE=str(credentials))
    assert load_identities(environ=environ).primary.access_key == "AKIADEFAULT000000001"
    found = load_identities(environ=environ | {"AWS_PROFILE": "work"})
    assert (found.source, found.primary.access_key) == (
        "shared-credentials-file",
        "AKIAWORK000000000001",
    )


def test_home_relative_default_files_follow_the_given_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[default]\naws_access_key_id = AKIACONFIG0000000001\naws_secret_access_key = c\n"
    )
    found = load_identities(environ={"HOME": str(home)}, config_dir=tmp_path / "unused")
    assert (found.source, found.primary.access_key) == ("config-file", "AKIACONFIG0000000001")


def test_network_providers_are_never_consulted(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
        "credential_source = Ec2InstanceMetadata\n"
    )
    environ = isolated(
        tmp_path,
        AWS_CONFIG_FILE=str(config),
        AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds",
        AWS_EC2_METADATA_SERVICE_ENDPOINT="http://192.0.2.1/",
    )
    found = load_identities(config_dir=tmp_path / "local", environ=environ)
    assert found.source == "local-key-file"
