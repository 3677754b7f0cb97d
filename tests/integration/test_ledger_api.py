"""The ledger through the handlers: assets, transfers, system accounts, history per asset."""

from decimal import Decimal

import pytest

from handlers import balance, balances, history, system_accounts, transact, transfer
from tests.support import (
    invoke,
    load_event,
    system_event,
    transaction_event,
    transfer_event,
    unique,
    user_event,
)


def system_balance(name="treasury", currency="USD"):
    result = invoke(system_accounts, system_event("system-balance", name, {"currency": currency}))
    assert result.status == 200, result.body
    return Decimal(result.body["balance"])


def test_transfer_moves_both_legs_and_answers_both_balances(store):
    source, target, key = unique("a"), unique("b"), unique("t")

    result = invoke(
        transfer, transfer_event(key, source, target, "25.50", description="Dinner", metadata={"split": "s-1"})
    )

    assert result.status == 201, result.body
    body = result.body
    assert set(body) == {
        "transferId",
        "idempotentKey",
        "fromUserId",
        "toUserId",
        "amount",
        "currency",
        "fromBalance",
        "toBalance",
        "description",
        "metadata",
        "createdAt",
        "receipts",
    }
    assert (body["fromBalance"], body["toBalance"], body["amount"], body["currency"]) == (
        "74.50",
        "125.50",
        "25.50",
        "USD",
    )
    assert (store.balance(source), store.balance(target)) == (Decimal("74.50"), Decimal("125.50"))
    [out_item] = invoke(history, user_event("history", source, {})).body["items"]
    [in_item] = invoke(history, user_event("history", target, {})).body["items"]
    assert (out_item["type"], out_item["counterparty"], out_item["balanceAfter"]) == ("transfer_out", target, "74.50")
    assert (in_item["type"], in_item["counterparty"], in_item["balanceAfter"]) == ("transfer_in", source, "125.50")
    assert out_item["transferId"] == in_item["transferId"] == body["transferId"]
    assert in_item["metadata"] == {"split": "s-1"} and in_item["description"] == "Dinner"


def test_transfer_replay_is_the_first_answer_and_moves_nothing_again(store):
    source, target, key = unique("a"), unique("b"), unique("t")
    first = invoke(transfer, transfer_event(key, source, target, "10.00"))
    invoke(transact, transaction_event(unique("k"), source, "5.00", "credit"))

    replay = invoke(transfer, transfer_event(key, source, target, "10.00"))
    store.delete_powertools_records()
    ledger_replay = invoke(transfer, transfer_event(key, source, target, "10"))

    assert first.status == replay.status == ledger_replay.status == 201
    assert replay.raw_body == first.raw_body == ledger_replay.raw_body
    assert replay.headers["idempotent-replayed"] == ledger_replay.headers["idempotent-replayed"] == "true"
    assert (store.balance(source), store.balance(target)) == (Decimal("95.00"), Decimal("110.00"))


@pytest.mark.parametrize("cache", ["powertools", "ledger"])
def test_a_key_used_for_a_credit_is_422_on_transfers_and_back(store, cache):
    user, other, key, key2 = unique("a"), unique("b"), unique("k"), unique("k")
    invoke(transact, transaction_event(key, user, "1.00", "credit"))
    invoke(transfer, transfer_event(key2, user, other, "1.00"))
    if cache == "ledger":
        store.delete_powertools_records()
    before = store.count_all()

    to_transfers = invoke(transfer, transfer_event(key, user, other, "1.00"))
    to_transactions = invoke(transact, transaction_event(key2, user, "1.00", "credit"))

    assert to_transfers.status == to_transactions.status == 422
    assert to_transfers.body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert store.count_all() == before


def test_transfer_over_the_balance_is_409_final_and_writes_no_leg(store):
    source, target, key = unique("a"), unique("b"), unique("t")

    declined = invoke(transfer, transfer_event(key, source, target, "100.01"))
    invoke(transact, transaction_event(unique("k"), source, "50.00", "credit"))
    replay = invoke(transfer, transfer_event(key, source, target, "100.01"))

    assert declined.status == replay.status == 409
    assert declined.body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert store.balance(target) is None and store.ledger(source)[-1]["type"]["S"] == "credit"


@pytest.mark.parametrize(
    "body",
    [
        {"idempotentKey": "k", "fromUserId": "u1", "toUserId": "u1", "amount": "1.00"},
        {"idempotentKey": "k", "fromUserId": "u1", "toUserId": "u2", "amount": "1.00", "counterparty": "promotions"},
        {"idempotentKey": "k", "fromUserId": "u1", "toUserId": "u2", "amount": "1", "currency": "GOLD", "x": 1},
        {"idempotentKey": "k", "fromUserId": "u1", "toUserId": "u2", "amount": "1.5", "currency": "GOLD"},
        {"idempotentKey": "k", "fromUserId": "u1", "amount": "1.00"},
        {"fromUserId": "u1", "toUserId": "u2", "amount": "1.00"},
    ],
    ids=["same-user", "counterparty", "unknown-field", "gold-decimals", "no-target", "no-key"],
)
def test_invalid_transfers_are_400_and_write_nothing(store, body):
    before = store.count_all()

    result = invoke(
        transfer,
        transfer_event(
            body.pop("idempotentKey", None),
            body.pop("fromUserId"),
            body.pop("toUserId", None),
            body.pop("amount"),
            **body,
        ),
    )

    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "VALIDATION_ERROR"
    assert store.count_all() == before


def test_sample_transfer_events_answer_201_409_and_400():
    assert invoke(transfer, load_event("transfer-same-user")).status == 400
    assert invoke(transfer, load_event("transfer-insufficient")).status == 409
    first = invoke(transfer, load_event("transfer"))
    assert first.status == 201 and first.body["toUserId"] == "u2"


def test_assets_have_their_own_balances_formats_and_history(store):
    user = unique("u")

    gold = invoke(
        transact, transaction_event(unique("k"), user, "50", "credit", currency="GOLD", counterparty="promotions")
    )
    euro = invoke(transact, transaction_event(unique("k"), user, 12, "credit", currency="EUR"))
    spend = invoke(transact, transaction_event(unique("k"), user, "7", "debit", currency="GOLD"))

    assert (gold.status, euro.status, spend.status) == (201, 201, 201)
    assert (gold.body["amount"], gold.body["balance"], gold.body["counterparty"]) == ("50", "50", "promotions")
    assert (euro.body["amount"], euro.body["balance"], euro.body["counterparty"]) == ("12.00", "12.00", "treasury")
    assert (spend.body["balance"], spend.body["counterparty"]) == ("43", "revenue")
    listed = invoke(balances, user_event("balances", user)).body
    heads = [balance.pop("head") for balance in listed["balances"]]
    assert [head["sequence"] for head in heads] == [0, 1, 2]  # USD untouched, EUR one entry, GOLD two
    assert listed == {
        "userId": user,
        "balances": [
            {"currency": "USD", "balance": "100.00", "held": "0.00", "available": "100.00"},
            {"currency": "EUR", "balance": "12.00", "held": "0.00", "available": "12.00"},
            {"currency": "GOLD", "balance": "43", "held": "0", "available": "43"},
        ],
    }
    assert invoke(balance, user_event("balance", user, {"currency": "GOLD"})).body["balance"] == "43"
    gold_history = invoke(history, user_event("history", user, {"currency": "GOLD"})).body["items"]
    assert [(item["type"], item["amount"], item["balanceAfter"]) for item in gold_history] == [
        ("debit", "7", "43"),
        ("credit", "50", "50"),
    ]
    assert invoke(history, user_event("history", user, {})).body["items"] == []  # USD untouched
    assert store.user_items(user) and store.balance(user) is None  # no USD account written


def test_a_gold_debit_beyond_the_balance_is_declined():
    user = unique("u")
    result = invoke(transact, transaction_event(unique("k"), user, "1", "debit", currency="GOLD"))
    assert result.status == 409 and "1 GOLD" in result.body["error"]["message"]


def test_reads_refuse_unknown_currencies_and_accounts():
    user = unique("u")
    assert invoke(balance, user_event("balance", user, {"currency": "JPY"})).status == 400
    assert invoke(balance, user_event("balance", user, {"currency": "usd"})).status == 400
    assert invoke(history, user_event("history", user, {"currency": "JPY"})).status == 400
    unknown = invoke(system_accounts, system_event("system-balance-unknown"))
    assert unknown.status == 404 and unknown.body["error"]["code"] == "NOT_FOUND"
    assert invoke(system_accounts, system_event("system-balance", "treasury", {"currency": "JPY"})).status == 400


def test_history_cursor_is_bound_to_its_currency():
    user = unique("u")
    for _ in range(3):
        invoke(transact, transaction_event(unique("k"), user, "1", "credit", currency="EUR"))
    page = invoke(history, user_event("history", user, {"currency": "EUR", "limit": "2"})).body

    foreign = invoke(history, user_event("history", user, {"currency": "USD", "cursor": page["nextCursor"]}))
    rest = invoke(history, user_event("history", user, {"currency": "EUR", "cursor": page["nextCursor"]}))

    assert foreign.status == 400
    assert [item["balanceAfter"] for item in rest.body["items"]] == ["1.00"]


def test_system_accounts_see_every_movement_and_the_books_balance(store):
    user, friend = unique("u"), unique("f")
    before = {name: system_balance(name) for name in ("treasury", "promotions", "revenue")}

    invoke(transact, transaction_event(unique("k"), user, "10.00", "credit"))  # first write: opening 100 + 10
    invoke(transact, transaction_event(unique("k"), user, "5.00", "credit", counterparty="promotions"))
    invoke(transact, transaction_event(unique("k"), user, "3.00", "debit"))
    invoke(transfer, transfer_event(unique("k"), user, friend, "2.00"))  # friend's first write: opening 100

    assert system_balance("treasury") - before["treasury"] == Decimal("-210.00")
    assert system_balance("promotions") - before["promotions"] == Decimal("-5.00")
    assert system_balance("revenue") - before["revenue"] == Decimal("3.00")
    listed = invoke(system_accounts, system_event("system-accounts")).body["accounts"]
    assert [account["name"] for account in listed] == ["treasury", "promotions", "revenue"]
    assert [entry["currency"] for entry in listed[0]["balances"]] == ["USD", "EUR", "GOLD"]
    store.assert_books_balance()


def test_reading_a_system_account_writes_nothing(store):
    before = store.count_all()
    invoke(system_accounts, system_event("system-accounts"))
    assert store.count_all() == before


def test_new_sample_events_answer_as_documented():
    assert invoke(transact, load_event("transact-unknown-currency")).status == 400
    assert invoke(transact, load_event("transact-too-many-decimals-gold")).status == 400
    bonus = invoke(transact, load_event("transact-bonus-gold"))
    assert bonus.status == 201 and bonus.body["metadata"] == {"campaign": "welcome"}
    assert invoke(balance, load_event("balance-eur")).body["currency"] == "EUR"
    assert invoke(balances, load_event("balances")).status == 200
    assert invoke(history, load_event("history-gold")).status == 200
    assert invoke(system_accounts, load_event("system-accounts")).status == 200
    assert invoke(system_accounts, load_event("system-balance")).status == 200


def test_a_ledger_replay_with_metadata_is_byte_identical(store):
    """DynamoDB returns a map's keys in an order of its own: the answer must not depend on it."""
    user, key = unique("u"), unique("k")
    metadata = {"order": "o-1", "game": "g-7", "note": "n", "zone": "z", "alpha": "a"}
    first = invoke(transact, transaction_event(key, user, "1.00", "credit", metadata=metadata))
    store.delete_powertools_records()

    replay = invoke(transact, transaction_event(key, user, "1.00", "credit", metadata=metadata))

    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.raw_body == first.raw_body
    assert list(first.body["metadata"]) == sorted(metadata)


def test_system_account_balances_have_exactly_currency_and_balance():
    listed = invoke(system_accounts, system_event("system-accounts")).body["accounts"]
    assert all(set(entry) == {"currency", "balance"} for account in listed for entry in account["balances"])
