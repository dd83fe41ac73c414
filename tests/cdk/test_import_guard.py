"""Importing sagegate.cdk without aws-cdk-lib says what to install."""

from __future__ import annotations

import os
import subprocess
import sys


def test_import_without_aws_cdk_names_the_command_that_installs_it_from_a_clone() -> None:
    # A None entry in sys.modules makes `import aws_cdk` fail as if it were not installed.
    code = "import sys; sys.modules['aws_cdk'] = None; import sagegate.cdk"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "ImportError: sagegate.cdk needs the AWS CDK" in result.stderr
    assert "run `make cdk` (or `.venv/bin/pip install -e '.[cdk]'`)" in result.stderr


def test_sagegate_itself_imports_without_aws_cdk() -> None:
    code = "import sys; sys.modules['aws_cdk'] = None; import sagegate.spec; print('ok')"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_sagegate_cdk_quiets_jsiis_banner_for_the_node_it_is_tested_on() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_")}
    result = subprocess.run(
        [sys.executable, "-c", "import sagegate.cdk"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Node 20 is end-of-life" not in result.stderr
