"""Handler modules import with the cyclic garbage collector paused, and every one of them resumes it."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

HANDLERS = Path(__file__).resolve().parents[2] / "lambdas" / "handlers"
MODULES = sorted(path for path in HANDLERS.glob("*.py") if path.name != "__init__.py")


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_every_handler_module_ends_by_resuming_the_collector(path):
    last = ast.parse(path.read_text()).body[-1]
    assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call), f"{path.name} must end with imports_done()"
    assert isinstance(last.value.func, ast.Name) and last.value.func.id == "imports_done"


def test_after_a_handler_is_imported_the_collector_runs_and_the_import_is_frozen():
    probe = (
        "import gc; assert gc.isenabled(); import handlers.transact;"
        "print(gc.isenabled(), gc.get_freeze_count() > 10_000)"
    )
    environment = {**os.environ, "PYTHONPATH": str(HANDLERS.parent)}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)
    assert result.stdout.split() == ["True", "True"]
