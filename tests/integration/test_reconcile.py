"""Reconciliation finds every kind of difference, and `make reconcile` exits non-zero on one."""

import copy
import os
import subprocess
import sys
import threading
import time

import pytest

import wallet
from infra.tables import WALLET_TABLE, ensure_tables
from local.dynamodb_local import REPO_ROOT
from tests.support import unique
from wallet.reconcile import reconcile
from wallet.settings import get_settings


def own_items(store, users, keys):
    """The items a few users and keys wrote: accounts, entries, system legs, holds and key records."""
    items = []
    for item in store.client.get_paginator("scan").paginate(TableName=WALLET_TABLE.default_name).search("Items"):
        pk = item["PK"]["S"]
        ours = pk.startswith(("SYSTEM#", "HOLD#")) and item.get("userId", {}).get("S") in users
        if pk.removeprefix("USER#") in users or pk.removeprefix("TXKEY#") in keys or ours:
            items.append(item)
    return items


@pytest.fixture
def books(store):
    """A credit, a bonus, a debit and a transfer between two new users, and the items they wrote."""
    a, b = unique("ra"), unique("rb")
    keys = [unique("k") for _ in range(4)]
    wallet.transact(keys[0], a, "10.00", "credit")
    wallet.transact(keys[1], a, "3", "credit", currency="GOLD", counterparty="promotions")
    wallet.transact(keys[2], a, "2.50", "debit")
    wallet.transfer(keys[3], a, b, "7.25", metadata={"why": "test"})
    keys += [unique("k") for _ in range(4)]
    debit = wallet.transact(keys[4], a, "1.00", "debit")
    wallet.reverse(keys[5], debit.entry.transaction_id, "0.40")
    captured = wallet.place_hold(keys[6], b, "2.00").hold
    wallet.capture_hold(keys[7], captured.hold_id, "1.50")
    keys += [unique("k")]
    wallet.place_hold(keys[8], b, "3.00")  # still pending
    return own_items(store, {a, b}, set(keys)), a, b


def find(items, predicate):
    return next(item for item in items if predicate(item["PK"]["S"], item["SK"]["S"], item))


def test_the_books_of_real_movements_balance(books):
    items, _, _ = books
    report = reconcile(items, get_settings())
    assert report.clean, report.summary()
    assert (report.accounts, report.entries, report.movements, report.transfers, report.keys, report.holds) == (
        3,
        8,
        7,
        1,
        9,
        2,
    )
    assert report.totals == {"USD": 0, "EUR": 0, "GOLD": 0}


def tamper_balance(items, a, b):
    find(items, lambda pk, sk, _: pk == f"USER#{a}" and sk == "BALANCE#USD")["balanceMinor"]["N"] = "99999"


def drop_transfer_in_leg(items, a, b):
    items.remove(find(items, lambda pk, sk, item: pk == f"USER#{b}" and sk.startswith("LEDGER#")))


def drop_opening(items, a, b):
    items.remove(find(items, lambda pk, sk, item: pk.startswith("SYSTEM#") and item["leg"]["S"] == f"opening:{a}"))


def drop_system_leg(items, a, b):
    items.remove(find(items, lambda pk, sk, item: pk.startswith("SYSTEM#promotions#GOLD")))


def wrong_balance_after(items, a, b):
    entry = find(items, lambda pk, sk, _: pk == f"USER#{a}" and sk == "LEDGER#USD#000000000002")
    entry["balanceAfterMinor"]["N"] = str(int(entry["balanceAfterMinor"]["N"]) + 1)


def drop_key_record(items, a, b):
    items.remove(find(items, lambda pk, sk, item: pk.startswith("TXKEY#") and "entries" in item))


def negative_balance(items, a, b):
    balance = find(items, lambda pk, sk, _: pk == f"USER#{a}" and sk == "BALANCE#GOLD")
    balance["balanceMinor"]["N"] = "-1"


def hold_still_counted_after_capture(items, a, b):
    balance = find(items, lambda pk, sk, _: pk == f"USER#{b}" and sk == "BALANCE#USD")
    captured = find(items, lambda pk, sk, item: pk.startswith("HOLD#") and item["status"]["S"] == "captured")
    balance["holds"]["M"][captured["holdId"]["S"]] = {"M": {"a": captured["amountMinor"], "x": captured["expiresAtMs"]}}


def pending_hold_not_counted(items, a, b):
    find(items, lambda pk, sk, _: pk == f"USER#{b}" and sk == "BALANCE#USD")["holds"]["M"].clear()


def captured_more_than_moved(items, a, b):
    captured = find(items, lambda pk, sk, item: pk.startswith("HOLD#") and item["status"]["S"] == "captured")
    captured["capturedMinor"]["N"] = "200"


def reversal_budget_off(items, a, b):
    original = find(items, lambda pk, sk, item: pk.startswith("TXKEY#") and "reversedMinor" in item)
    original["reversedMinor"]["N"] = "10"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (tamper_balance, "opening + entries"),
        (drop_transfer_in_leg, "transfer_out"),
        (drop_opening, "opening leg"),
        (drop_system_leg, "system leg"),
        (wrong_balance_after, "says balanceAfter"),
        (drop_key_record, "has no key record"),
        (negative_balance, "negative balance"),
        (hold_still_counted_after_capture, "still counts hold"),
        (pending_hold_not_counted, "does not count it"),
        (captured_more_than_moved, "without that movement"),
        (reversal_budget_off, "reversed, the record says"),
    ],
)
def test_each_kind_of_difference_is_reported(books, tamper, expected):
    items, a, b = books
    items = copy.deepcopy(items)

    tamper(items, a, b)
    report = reconcile(items, get_settings())

    assert not report.clean
    assert any(expected in difference for difference in report.differences), report.summary()


def run_reconcile(table):
    environment = {**os.environ, "WALLET_TABLE_NAME": table, "PYTHONPATH": f"lambdas{os.pathsep}."}
    return subprocess.run(
        [sys.executable, "-m", "local.reconcile"], cwd=REPO_ROOT, env=environment, capture_output=True, text=True
    )


def test_the_command_exits_0_on_balanced_books_and_1_on_a_difference(client):
    clean = run_reconcile(WALLET_TABLE.default_name)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "books balance" in clean.stdout

    probe = f"Probe{unique('t').replace('-', '')}"
    ensure_tables(client, {WALLET_TABLE: probe})
    client.put_item(
        TableName=probe,
        Item={
            "PK": {"S": "USER#ghost"},
            "SK": {"S": "BALANCE#USD"},
            "balanceMinor": {"N": "500"},
            "version": {"N": "1"},
        },
    )
    try:
        tampered = run_reconcile(probe)
    finally:
        client.delete_table(TableName=probe)
    assert tampered.returncode == 1
    assert "DIFFERENCE" in tampered.stdout and "asset USD" in tampered.stdout


@pytest.fixture
def live_table(client):
    name = f"Live{unique('t').replace('-', '')}"
    ensure_tables(client, {WALLET_TABLE: name})
    yield name
    client.delete_table(TableName=name)


def test_a_live_check_during_traffic_reports_nothing_yet_finds_a_planted_difference(client, live_table):
    """Movements, holds and reversals run on other threads for the whole check; the scans catch some of
    them half-written. The live check must stay clean, and still name a real difference."""
    from handlers.reconcile import run_reconciliation
    from wallet.reconcile import reconcile_live
    from wallet.repository import WalletRepository
    from wallet.service import WalletService

    service = WalletService(WalletRepository(client, live_table), get_settings())
    users = [f"live-{n}" for n in range(6)]

    def scan():  # small pages, so writes land between them as they would in a large table
        pages = client.get_paginator("scan").paginate(
            TableName=live_table, ConsistentRead=True, PaginationConfig={"PageSize": 25}
        )
        return pages.search("Items")

    stop, errors, moved = threading.Event(), [], []

    def traffic(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            key = f"w{worker}-{n}"
            try:
                source, target = users[(worker + n) % 6], users[(worker + n + 1) % 6]
                service.transfer(f"{key}-t", source, target, "0.10")
                credit = service.transact(f"{key}-c", source, "0.20", "credit").entry
                hold = service.place_hold(f"{key}-h", target, "0.05", expires_in_seconds=60).hold
                service.void_hold(f"{key}-v", hold.hold_id) if n % 2 else service.capture_hold(f"{key}-p", hold.hold_id)
                service.reverse(f"{key}-r", credit.transaction_id, "0.01")
                moved.append(key)
            except Exception as error:  # collected and asserted below
                errors.append(error)

    workers = [threading.Thread(target=traffic, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(1.0)
        reports, until = [], time.monotonic() + 3
        while time.monotonic() < until or len(reports) < 4:
            reports.append(reconcile_live(scan, get_settings(), settle_ms=500))
        client.put_item(  # a user nobody touches, whose stored balance disagrees with its (empty) ledger
            TableName=live_table,
            Item={
                "PK": {"S": "USER#planted"},
                "SK": {"S": "BALANCE#USD"},
                "balanceMinor": {"N": "12345"},
                "version": {"N": "1"},
                "updatedAt": {"S": "2020-01-01T00:00:00.000Z"},
            },
        )
        planted = reconcile_live(scan, get_settings(), settle_ms=500)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert not errors, errors[:3]
    assert moved, "the check must run beside real traffic"
    for report in reports:
        assert report.clean, report.summary()
    assert any(report.unsettled for report in reports)  # traffic stamped after a cutoff: it overlapped a check
    assert any(difference.startswith("account planted USD") for difference in planted.differences), planted.summary()
    assert all(difference.startswith(("account planted", "asset USD")) for difference in planted.differences)
    client.delete_item(TableName=live_table, Key={"PK": {"S": "USER#planted"}, "SK": {"S": "BALANCE#USD"}})
    settled = run_reconciliation(service, live=False, fold=True, segments=3)  # quiet now: everything is checked
    assert settled.clean, settled.summary()
    assert settled.unsettled == 0 and settled.entries > 0
