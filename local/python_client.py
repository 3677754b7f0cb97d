"""The typed Python client in clients/python, generated from docs/openapi.json by openapi-python-client.

    python -m local.python_client    regenerate clients/python (make client)

The generator owns everything in clients/python except wallet_retry/, the hand-written retrying helper;
tests/integration/test_python_client.py fails when the committed client differs from what it generates.
"""

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "docs" / "openapi.json"
CONFIG = REPO / "clients" / "python-client.yaml"
TARGET = REPO / "clients" / "python"
HAND_WRITTEN = {"wallet_retry"}
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generate(into: Path) -> Path:
    """Generates the client under into/; returns the generated project's folder."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff
    command = [str(GENERATOR), "generate", "--path", str(DOCUMENT), "--config", str(CONFIG), "--meta", "setup"]
    result = subprocess.run(command, cwd=into, env=env, capture_output=True, text=True)
    if result.returncode != 0 or "Warning" in result.stdout:
        raise RuntimeError(f"openapi-python-client failed or warned:\n{result.stdout}{result.stderr}")
    project = into / "wallet-client"
    shutil.rmtree(project / ".ruff_cache", ignore_errors=True)
    return project


def _generated_names(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()} - HAND_WRITTEN


def differences(generated: Path, committed: Path) -> list[str]:
    """Paths (relative to the client) that differ, are missing or are extra, hand-written ones aside."""
    found: list[str] = []

    def walk(comparison: filecmp.dircmp, prefix: str) -> None:
        found.extend(prefix + name for name in comparison.left_only + comparison.right_only + comparison.diff_files)
        for name, sub in comparison.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    ignore = [*HAND_WRITTEN, "__pycache__", ".ruff_cache", ".mypy_cache"]
    walk(filecmp.dircmp(generated, committed, ignore=ignore), "")
    return sorted(found)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        generated = generate(Path(scratch))
        TARGET.mkdir(parents=True, exist_ok=True)
        for name in _generated_names(TARGET):
            stale = TARGET / name
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        for path in generated.iterdir():
            shutil.move(str(path), TARGET / path.name)


if __name__ == "__main__":
    main()
