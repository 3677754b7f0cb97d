"""Builds the functions' code asset without Docker: lambdas/ plus its requirements for arm64 / Python 3.13.

The asset carries compiled bytecode: Lambda's code directory is read-only, so without .pyc files every
cold start compiles Powertools, pydantic and the service from source again (measured by make bench)."""

import glob
import os
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
# Bytecode checked by nothing at import: the bundle never changes after it is built, and a zip's
# 2-second timestamps would otherwise make Python distrust timestamp-checked .pyc files.
COMPILE_COMMAND = ["-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]


def bundle_lambda_code(
    output_dir: Path,
    platform: str | None = LAMBDA_PLATFORM,
    interpreter: str | None = None,
) -> None:
    """Copy the lambdas/ package, pip-install its requirements (Lambda's arm64 wheels unless platform is
    None: this machine's) and compile it all with an interpreter of the runtime's version."""
    shutil.copytree(
        LAMBDAS_DIR,
        output_dir,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt"),
    )
    target = (
        ["--platform", platform, "--implementation", "cp", "--python-version", LAMBDA_PYTHON_VERSION]
        if platform
        else []  # this machine's wheels, for measuring (bench)
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
            *target,
            "--only-binary=:all:",
            "--upgrade",
            "--no-deps",  # the list is complete; deps such as botocore come with the runtime
            "--no-compile",
        ],
        check=True,
    )
    interpreter = interpreter or runtime_interpreter()
    if interpreter is None:
        print(
            f"warning: no Python {LAMBDA_PYTHON_VERSION} found (set LAMBDA_PYTHON); the functions ship without "
            "bytecode and compile it on every cold start",
            file=sys.stderr,
        )
        return
    compile_bytecode(output_dir, interpreter)


def compile_bytecode(directory: Path, interpreter: str) -> None:
    subprocess.run([interpreter, *COMPILE_COMMAND, str(directory)], check=True, stdout=subprocess.DEVNULL)


def runtime_interpreter() -> str | None:
    """A Python of the Lambda runtime's version: .pyc files only serve the version that wrote them."""
    candidates = [os.environ.get("LAMBDA_PYTHON"), shutil.which(f"python{LAMBDA_PYTHON_VERSION}")]
    pyenv_versions = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions"
    candidates += sorted(glob.glob(f"{pyenv_versions}/{LAMBDA_PYTHON_VERSION}.*/bin/python{LAMBDA_PYTHON_VERSION}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == LAMBDA_PYTHON_VERSION:
            return candidate
    return None


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK tries this before Docker; returning True means the asset is ready."""

    def try_bundle(self, output_dir: str, _options: Any) -> bool:
        bundle_lambda_code(Path(output_dir))
        return True
