"""Importing sagegate.cdk without aws-cdk-lib says what to install."""

from __future__ import annotations

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
