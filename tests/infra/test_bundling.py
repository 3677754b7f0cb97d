"""The functions' asset ships bytecode compiled by the runtime's Python version, used without checking sources."""

import os
import stat
import subprocess
import sys

from infra import bundling
from infra.bundling import LAMBDA_PYTHON_VERSION, compile_bytecode, runtime_interpreter


def test_the_bundles_bytecode_is_used_as_is_on_a_read_only_code_directory(tmp_path):
    module = tmp_path / "answer.py"
    module.write_text("VALUE = 'compiled'\n")
    compile_bytecode(tmp_path, sys.executable)
    # The source changes after the build (or its zip timestamps do): unchecked bytecode is still what runs.
    module.write_text("VALUE = 'source'\n")
    environment = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    answer = subprocess.run(
        [sys.executable, "-c", "import answer; print(answer.VALUE)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert answer.stdout.strip() == "compiled"


def fake_python(path, version: str) -> str:
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_only_an_interpreter_of_the_runtimes_version_compiles_the_bundle(tmp_path, monkeypatch):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setattr(bundling.shutil, "which", lambda _name: None)
    monkeypatch.setenv("LAMBDA_PYTHON", fake_python(tmp_path / "python-other", "3.9"))
    assert runtime_interpreter() is None  # its .pyc files would be ignored by the runtime
    monkeypatch.setenv("LAMBDA_PYTHON", fake_python(tmp_path / "python-runtime", LAMBDA_PYTHON_VERSION))
    assert runtime_interpreter() == str(tmp_path / "python-runtime")
