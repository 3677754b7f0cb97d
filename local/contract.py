"""Holds the local server to docs/openapi.json with Schemathesis (make fuzz; a shorter run is in make test).

Starts what `make run` starts (the same `python -m local.server`, here on free ports and an in-memory DynamoDB
Local unless AWS_ENDPOINT_URL_DYNAMODB names one), then runs the pinned Schemathesis CLI against it: every
operation, every check, all four phases (examples, coverage, fuzzing, stateful through the document's links),
a fixed seed so a run repeats itself. The rules JSON Schema cannot state are in tests/contract_hooks.py.

    python -m local.contract [--examples N] [--seed S]    exits with Schemathesis's status
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from local.dynamodb_local import DynamoDBLocal, free_port, local_aws_environment

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "docs" / "openapi.json"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
PYTHONPATH = f"{REPO / 'lambdas'}{os.pathsep}{REPO}"  # as pyproject.toml gives pytest


@contextmanager
def local_server(dynamodb_endpoint: str, settings: dict[str, str] | None = None) -> Iterator[str]:
    """`make run`'s server against this DynamoDB endpoint, on a free port, with these WALLET_* settings added to
    the environment; yields its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory() as events:
        env = {
            **os.environ,
            **local_aws_environment(dynamodb_endpoint),
            "PORT": str(port),
            "WALLET_EVENTS_FILE": str(Path(events) / "events.jsonl"),
            "PYTHONPATH": PYTHONPATH,
            **(settings or {}),
        }
        log_path = Path(events) / "server.log"  # a file, not a pipe: a full pipe would stall the server
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "local.server"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(url, server, log_path)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for(url: str, server: subprocess.Popen, log_path: Path, timeout_seconds: float = 60) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the local server exited: {log_path.read_text(errors='replace')[-4000:]}")
        try:
            urllib.request.urlopen(f"{url}/console/config.json", timeout=2).close()  # public in either auth mode
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the local server did not answer at {url}")


def run_schemathesis(url: str, examples: int, seed: int) -> subprocess.CompletedProcess:
    """The Schemathesis CLI against url; its report is in the result's stdout."""
    command = [str(SCHEMATHESIS), "run", str(DOCUMENT), "--url", url, "--checks", "all"]
    command += ["--max-examples", str(examples), "--seed", str(seed), "--no-color"]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.contract_hooks",
        "PYTHONPATH": PYTHONPATH,
    }
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)


def check_contract(examples: int, seed: int, dynamodb_endpoint: str | None = None) -> subprocess.CompletedProcess:
    """Schemathesis against a local server on dynamodb_endpoint, or on a DynamoDB Local of its own (in memory)
    when none is given: its fixed examples (users u1, u2, ...) then move no one else's money."""
    dynamodb = None if dynamodb_endpoint else DynamoDBLocal(port=free_port()).start()
    try:
        with local_server(dynamodb_endpoint or dynamodb.endpoint) as url:  # type: ignore[union-attr]
            return run_schemathesis(url, examples, seed)
    finally:
        if dynamodb:
            dynamodb.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100, help="generated requests per operation and phase")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = check_contract(args.examples, args.seed, os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"))
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    raise SystemExit(result.returncode)


if __name__ == "__main__":
    main()
