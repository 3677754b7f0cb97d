"""Integration tier: a real DynamoDB Local, started once per session on a free port, in memory."""

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from infra.tables import IDEMPOTENCY_TABLE, WALLET_TABLE, ensure_tables
from local.contention import ContentionSimulator
from local.dynamodb_local import DynamoDBLocal, free_port, local_aws_environment
from local.runtime import LocalLambda
from tests.browser import SCREENSHOTS

pytestmark = pytest.mark.dynamodb
SCALES = {"USD": 2, "EUR": 2, "GOLD": 0}
# Concurrent Lambda environments for the concurrency tests: each a process, as in Lambda.
CONCURRENT_ENVIRONMENTS = 24


def _clear_cached_clients() -> None:
    import wallet
    from api import movements
    from wallet.aws import dynamodb_client
    from wallet.settings import get_settings

    for cached in (
        dynamodb_client,
        get_settings,
        wallet.default_service,
        movements.apply_once,
        movements.response_cache,
    ):
        cached.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    server = DynamoDBLocal(port=free_port()).start()
    saved = dict(os.environ)
    os.environ.update(local_aws_environment(server.endpoint))
    os.environ.update(
        {
            "WALLET_TABLE_NAME": WALLET_TABLE.default_name,
            "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE.default_name,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    _clear_cached_clients()
    from wallet.aws import dynamodb_client

    ensure_tables(dynamodb_client())
    yield server
    os.environ.clear()
    os.environ.update(saved)
    _clear_cached_clients()
    server.stop()


@pytest.fixture
def client(dynamodb_local: DynamoDBLocal) -> Any:
    from wallet.aws import dynamodb_client

    return dynamodb_client()


class Store:
    """Reads the stored state directly, to assert what the service wrote (or did not)."""

    def __init__(self, client: Any):
        self.client = client

    def items_for(self, pk: str) -> list[dict[str, Any]]:
        response = self.client.query(
            TableName=WALLET_TABLE.default_name,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        )
        return response["Items"]

    def user_items(self, user_id: str) -> list[dict[str, Any]]:
        return self.items_for(f"USER#{user_id}")

    def key_record(self, key: str) -> dict[str, Any] | None:
        items = self.items_for(f"TXKEY#{key}")
        return items[0] if items else None

    def ledger(self, user_id: str, currency: str = "USD") -> list[dict[str, Any]]:
        return [item for item in self.user_items(user_id) if item["SK"]["S"].startswith(f"LEDGER#{currency}#")]

    def balance(self, user_id: str, currency: str = "USD") -> Decimal | None:
        items = [item for item in self.user_items(user_id) if item["SK"]["S"] == f"BALANCE#{currency}"]
        return Decimal(items[0]["balanceMinor"]["N"]).scaleb(-int(SCALES[currency])) if items else None

    def ledger_net(self, user_id: str, currency: str = "USD") -> Decimal:
        total = Decimal(0)
        for item in self.ledger(user_id, currency):
            amount = Decimal(item["amountMinor"]["N"]).scaleb(-int(item["scale"]["N"]))
            total += amount if item["type"]["S"] in ("credit", "transfer_in") else -amount
        return total

    def reconcile(self) -> Any:
        """The reconciliation over the whole table, as `make reconcile` runs it."""
        from wallet.reconcile import reconcile
        from wallet.repository import WalletRepository
        from wallet.settings import get_settings

        return reconcile(WalletRepository(self.client, WALLET_TABLE.default_name).scan(), get_settings())

    def assert_books_balance(self) -> None:
        report = self.reconcile()
        assert report.clean, report.summary()
        assert set(report.totals.values()) == {0}

    def assert_history_verifies(self) -> None:
        """Every hash chain, balance and system leg verifies, as `make verify` checks them."""
        from wallet.repository import WalletRepository
        from wallet.settings import get_settings
        from wallet.verify import LedgerVerifier

        verifier = LedgerVerifier({asset.code: asset.scale for asset in get_settings().assets})
        for item in WalletRepository(self.client, WALLET_TABLE.default_name).scan():
            verifier.add(item)
        report = verifier.finish()
        assert report.clean, report.summary()

    def count_all(self) -> int:
        total = 0
        for table in (WALLET_TABLE.default_name, IDEMPOTENCY_TABLE.default_name):
            paginator = self.client.get_paginator("scan")
            for page in paginator.paginate(TableName=table, Select="COUNT"):
                total += page["Count"]
        return total

    def delete_powertools_records(self) -> None:
        """Simulates the Powertools records expiring: only the ledger remembers the keys."""
        paginator = self.client.get_paginator("scan")
        for page in paginator.paginate(TableName=IDEMPOTENCY_TABLE.default_name):
            for item in page["Items"]:
                self.client.delete_item(TableName=IDEMPOTENCY_TABLE.default_name, Key={"id": item["id"]})


@pytest.fixture
def store(client: Any) -> Store:
    return Store(client)


@pytest.fixture(scope="module", autouse=True)
def books_balance_after_each_module(dynamodb_local: DynamoDBLocal) -> Iterator[None]:
    """Whatever a module did, the books of every asset still balance and the history verifies when it is done."""
    yield
    from wallet.aws import dynamodb_client

    Store(dynamodb_client()).assert_books_balance()
    Store(dynamodb_client()).assert_history_verifies()


@pytest.fixture(scope="session")
def api_server(dynamodb_local: DynamoDBLocal) -> Iterator[str]:
    """The local HTTP server (the one `make run` serves) on a free port; yields its base URL."""
    import threading

    from local.server import wallet_http_server

    server = wallet_http_server(free_port(), LocalLambda(environments=2))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    server.lambda_runtime.close()


@pytest.fixture(scope="session")
def simulator(dynamodb_local: DynamoDBLocal) -> Iterator[ContentionSimulator]:
    """Real DynamoDB's conflict and throttling rules in front of DynamoDB Local (5 ms per call)."""
    simulator = ContentionSimulator(dynamodb_local.endpoint, free_port(), latency_ms=5).start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope="session")
def simulated_environments(simulator: ContentionSimulator) -> Iterator[LocalLambda]:
    """Lambda execution environments whose DynamoDB calls go through the contention simulator."""
    pool = LocalLambda(CONCURRENT_ENVIRONMENTS, environment={"AWS_ENDPOINT_URL_DYNAMODB": simulator.endpoint})
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def environments(dynamodb_local: DynamoDBLocal) -> Iterator[LocalLambda]:
    """Lambda execution environments (processes) for concurrent invocations through the handlers."""
    pool = LocalLambda(environments=CONCURRENT_ENVIRONMENTS)
    yield pool
    pool.close()


# ---- a real browser, for the console's tests


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def own_dynamodb() -> Iterator[DynamoDBLocal]:
    """A DynamoDB Local of the module's own: the browser tests' servers use fixed settings."""
    server = DynamoDBLocal(port=free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), "make test installs chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture
def console_errors(browser) -> Iterator[list[str]]:
    """Fails a test whose page logged an error; a test expecting one (a 404, a refused request) lists the
    fragment it expects in the yielded list."""
    browser.get_log("browser")  # what earlier tests left
    expected: list[str] = []
    yield expected
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    unexpected = [message for message in errors if not any(fragment in message for fragment in expected)]
    assert unexpected == [], unexpected
