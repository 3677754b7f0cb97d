"""Reconciliation finds every kind of difference, and `make reconcile` exits non-zero on one."""

import copy
import os
import subprocess
import sys

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
