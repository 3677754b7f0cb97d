"""The nightly run on DynamoDB Local: overdue holds found on the sparse PendingHolds index, the table
scanned once, and holds placed before the index still expired."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import boto3
import pytest

from handlers.reconcile import run_reconciliation
from infra.tables import WALLET_TABLE, ensure_tables
from tests.support import unique
from wallet.aws import _CLIENT_CONFIG
from wallet.models import HoldStatus
from wallet.repository import PENDING_DUE, PENDING_HOLDS_INDEX, PENDING_SHARD, WalletRepository
from wallet.service import WalletService, utc_now
from wallet.settings import get_settings

SEGMENTS = 3


class CountingClient:
    """A DynamoDB client of its own that counts the calls made through it, by operation."""

    def __init__(self) -> None:
        self.client = boto3.session.Session().client("dynamodb", config=_CLIENT_CONFIG)
        self.calls: Counter[str] = Counter()
        self.scan_starts = 0
        self.client.meta.events.register("provide-client-params.dynamodb.*", self._count)

    def _count(self, params, model, **_) -> None:
        self.calls[model.name] += 1
        if model.name == "Scan" and "ExclusiveStartKey" not in params:
            self.scan_starts += 1  # one per scan segment started: a whole-table read begins

    def reset(self) -> None:
        self.calls.clear()
        self.scan_starts = 0


@pytest.fixture
def counting():
    return CountingClient()


@pytest.fixture
def table(counting):
    name = f"Nightly{unique('t').replace('-', '')}"
    ensure_tables(counting.client, {WALLET_TABLE: name})
    yield name
    counting.client.delete_table(TableName=name)


def services(counting, table, seconds_later: int) -> tuple[WalletService, WalletService]:
    repository = WalletRepository(counting.client, table)
    later = WalletService(repository, get_settings(), clock=lambda: utc_now() + timedelta(seconds=seconds_later))
    return WalletService(repository, get_settings()), later


def index_items(client, table) -> list[dict]:
    return client.scan(TableName=table, IndexName=PENDING_HOLDS_INDEX)["Items"]


def test_only_pending_holds_are_on_the_index_and_an_ended_hold_leaves_it(counting, table):
    now, _ = services(counting, table, 0)
    kept = now.place_hold(unique("h"), "ada", "1.00").hold
    voided = now.place_hold(unique("h"), "ada", "1.00").hold
    captured = now.place_hold(unique("h"), "ada", "1.00").hold
    now.void_hold(unique("v"), voided.hold_id)
    now.capture_hold(unique("c"), captured.hold_id)

    indexed = index_items(counting.client, table)

    assert [item["holdId"]["S"] for item in indexed] == [kept.hold_id]
    assert indexed[0][PENDING_DUE]["S"] == f"{kept.expires_at_ms:015d}"
    assert indexed[0][PENDING_SHARD]["S"].startswith("PENDING#")


def test_the_sweep_reads_only_the_index_and_marks_only_overdue_holds(counting, table):
    now, later = services(counting, table, 61)
    overdue = [now.place_hold(unique("h"), f"u{n}", "1.00", expires_in_seconds=60).hold for n in range(12)]
    not_yet = now.place_hold(unique("h"), "u0", "1.00", expires_in_seconds=3600).hold
    counting.reset()

    assert later.expire_overdue_holds() == len(overdue)

    assert counting.calls["Scan"] == 0
    assert counting.calls["Query"] >= 8  # one per shard of the index
    assert {hold_id for hold_id in (item["holdId"]["S"] for item in index_items(counting.client, table))} == {
        not_yet.hold_id
    }
    for hold in overdue:
        assert later.get_hold(hold.hold_id)[0].stored_status is HoldStatus.EXPIRED
    assert later.expire_overdue_holds() == 0


def test_the_nightly_run_scans_the_table_once(counting, table):
    now, later = services(counting, table, 61)
    now.transact(unique("k"), "ben", "5.00", "credit")
    now.place_hold(unique("h"), "ben", "1.00", expires_in_seconds=60)
    counting.reset()
    heads: dict = {}

    report = run_reconciliation(later, live=True, fold=True, expire=True, segments=SEGMENTS, heads=heads)

    assert report.clean, report.summary()
    assert counting.scan_starts == SEGMENTS  # one pass over the table, in SEGMENTS parallel segments
    assert later.get_current_balance("ben").held == Decimal("0.00")
    assert sorted(heads.values(), key=str) == sorted(later.chain_heads(), key=str)  # the digest's input, same scan
    assert heads[("ben", "USD")].sequence == 1


def test_a_hold_placed_before_the_index_existed_is_expired_by_the_nightly_run(counting, table):
    now, later = services(counting, table, 61)
    legacy = now.place_hold(unique("h"), "cleo", "4.00", expires_in_seconds=60).hold
    client = counting.client
    key = {"PK": {"S": f"HOLD#{legacy.hold_id}"}, "SK": {"S": "HOLD"}}
    client.update_item(TableName=table, Key=key, UpdateExpression=f"REMOVE {PENDING_SHARD}, {PENDING_DUE}")
    assert later.expire_overdue_holds() == 0  # the index does not know it

    report = run_reconciliation(later, live=True, fold=False, expire=True, segments=SEGMENTS)

    assert report.clean, report.summary()
    assert later.get_hold(legacy.hold_id)[0].stored_status is HoldStatus.EXPIRED
    assert run_reconciliation(later, live=False, fold=False, expire=True, segments=SEGMENTS).clean
