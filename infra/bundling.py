"""Builds the functions' code asset without Docker: lambdas/ plus its requirements for arm64 / Python 3.13."""

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import ILocalBundling

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
LAMBDA_PYTHON_VERSION = "3.13"
LAMBDA_PLATFORM = "manylinux2014_aarch64"
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc"]


def bundle_lambda_code(output_dir: Path) -> None:
    """Copy the lambdas/ package and pip-install its requirements as Lambda's arm64 wheels."""
    shutil.copytree(
        LAMBDAS_DIR,
        output_dir,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--requirement",
            str(LAMBDAS_DIR / "requirements.txt"),
            "--target",
            str(output_dir),
            "--platform",
            LAMBDA_PLATFORM,
            "--implementation",
            "cp",
            "--python-version",
            LAMBDA_PYTHON_VERSION,
            "--only-binary=:all:",
            "--upgrade",
            "--no-deps",  # the list is complete; deps such as botocore come with the runtime
            "--no-compile",
        ],
        check=True,
    )


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK tries this before Docker; returning True means the asset is ready."""

    def try_bundle(self, output_dir: str, _options: Any) -> bool:
        bundle_lambda_code(Path(output_dir))
        return True
