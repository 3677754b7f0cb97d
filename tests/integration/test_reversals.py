"""Reversals: money moves back between the same two accounts, never more in all than the original moved."""

from decimal import Decimal

import pytest

import wallet
from handlers import history, reversal, transact, transfer
from tests.faults import inject, lose_response_after_commit
from tests.support import (
    invoke,
    load_event,
    reversal_event,
    run_concurrently,
    transaction_event,
    transfer_event,
    unique,
    user_event,
)


def credit(user, amount, **fields):
    result = invoke(transact, transaction_event(unique("k"), user, amount, "credit", **fields))
    assert result.status == 201, result.body
    return result.body


def test_reversing_a_credit_moves_it_back_to_the_treasury(store):
    user = unique("u")
    original = credit(user, "30.00")
    treasury_before = wallet.get_system_balance("treasury").balance

    result = invoke(reversal, reversal_event(original["transactionId"], unique("r"), description="Sent by mistake"))

    assert result.status == 201, result.body
    body = result.body
    assert (body["reversalOf"], body["amount"], body["currency"], body["description"]) == (
        original["transactionId"],
        "30.00",
        "USD",
        "Sent by mistake",
    )
    [entry] = body["entries"]
    assert (entry["userId"], entry["type"], entry["balanceAfter"], entry["counterparty"]) == (
        user,
        "debit",
        "100.00",
        "treasury",
    )
    assert wallet.get_system_balance("treasury").balance - treasury_before == Decimal("30.00")
    newest = invoke(history, user_event("history", user, {})).body["items"][0]
    assert newest["reversalOf"] == original["transactionId"] and newest["transactionId"] == body["transactionId"]
    store.assert_books_balance()


def test_partial_reversals_of_a_debit_never_exceed_it(store):
    user = unique("u")
    original = invoke(transact, transaction_event(unique("k"), user, "50.00", "debit")).body

    first = invoke(reversal, reversal_event(original["transactionId"], unique("r"), amount="30.00"))
    rest = invoke(reversal, reversal_event(original["transactionId"], unique("r")))  # default: all that is left
    beyond = invoke(reversal, reversal_event(original["transactionId"], unique("r"), amount="0.01"))

    assert (first.status, first.body["entries"][0]["type"], first.body["entries"][0]["balanceAfter"]) == (
        201,
        "credit",
        "80.00",
    )
    assert (rest.status, rest.body["amount"], rest.body["entries"][0]["balanceAfter"]) == (201, "20.00", "100.00")
    assert beyond.status == 409 and beyond.body["error"]["code"] == "REVERSAL_EXCEEDS_ORIGINAL"
    assert store.balance(user) == Decimal("100.00")
    store.assert_books_balance()


def test_reversing_a_transfer_moves_it_back_and_cannot_overdraw_the_receiver(store):
    source, target = unique("a"), unique("b")
    moved = invoke(transfer, transfer_event(unique("t"), source, target, "60.00")).body
    invoke(transact, transaction_event(unique("k"), target, "150.00", "debit"))  # the receiver spends most of it

    declined = invoke(reversal, reversal_event(moved["transferId"], key := unique("r")))
    invoke(transact, transaction_event(unique("k"), target, "100.00", "credit"))
    replay = invoke(reversal, reversal_event(moved["transferId"], key))  # final for its key, even now
    partial = invoke(reversal, reversal_event(moved["transferId"], unique("r"), amount="10.00"))

    assert declined.status == replay.status == 409 and declined.body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert partial.status == 201, partial.body
    out_leg, in_leg = partial.body["entries"]
    assert (out_leg["userId"], out_leg["type"], in_leg["userId"], in_leg["type"]) == (
        target,
        "transfer_out",
        source,
        "transfer_in",
    )
    assert (store.balance(source), store.balance(target)) == (Decimal("50.00"), Decimal("100.00"))
    store.assert_books_balance()


def test_a_reversal_replays_and_its_key_is_one_request(store):
    user = unique("u")
    original = credit(user, "8", currency="GOLD", counterparty="promotions")
    key = unique("r")

    first = invoke(reversal, reversal_event(original["transactionId"], key, amount="3"))
    again = invoke(reversal, reversal_event(original["transactionId"], key, amount="3"))
    store.delete_powertools_records()
    from_ledger = invoke(reversal, reversal_event(original["transactionId"], key, amount="3"))
    other_amount = invoke(reversal, reversal_event(original["transactionId"], key, amount="4"))
    as_a_credit = invoke(transact, transaction_event(key, user, "3", "credit", currency="GOLD"))

    assert first.status == again.status == from_ledger.status == 201
    assert again.raw_body == first.raw_body == from_ledger.raw_body
    assert from_ledger.headers["idempotent-replayed"] == "true"
    assert other_amount.status == as_a_credit.status == 422
    assert store.balance(user, "GOLD") == Decimal("5")
    assert wallet.get_system_balance("promotions", "GOLD").balance <= Decimal("-5")


@pytest.mark.parametrize(
    ("target", "body", "status"),
    [
        ("00000000-0000-4000-8000-000000000000", {}, 404),
        ("gold", {"amount": "1.5"}, 400),
        ("gold", {"amount": "0"}, 400),
        ("gold", {"currency": "GOLD"}, 400),
        ("reversal", {}, 400),
    ],
    ids=["unknown-movement", "decimals-beyond-scale", "zero", "unknown-field", "reversal-of-a-reversal"],
)
def test_invalid_reversals_are_refused_and_move_nothing(store, target, body, status):
    user = unique("u")
    gold = credit(user, "5", currency="GOLD")
    first_reversal = invoke(reversal, reversal_event(gold["transactionId"], unique("r"), amount="1")).body
    ids = {"gold": gold["transactionId"], "reversal": first_reversal["transactionId"]}
    before = store.count_all()

    result = invoke(reversal, reversal_event(ids.get(target, target), unique("r"), **body))

    assert result.status == status, result.body
    assert store.count_all() == before


def test_the_sample_event_for_an_unknown_movement_is_404():
    result = invoke(reversal, load_event("reversal-unknown-transaction"))
    assert result.status == 404 and result.body["error"]["code"] == "NOT_FOUND"


def test_50_concurrent_reversals_of_one_debit_never_exceed_it(environments, store):
    user = unique("u")
    original = invoke(transact, transaction_event(unique("k"), user, "20.00", "debit")).body
    events = [reversal_event(original["transactionId"], unique("r"), amount="1.00") for _ in range(50)]

    results = run_concurrently(environments, reversal, events, clients=50)

    statuses = sorted(result.status for result in results)
    assert statuses == [201] * 20 + [409] * 30
    assert {result.body["error"]["code"] for result in results if result.status == 409} == {"REVERSAL_EXCEEDS_ORIGINAL"}
    assert store.balance(user) == Decimal("100.00")
    store.assert_books_balance()


def test_a_reversal_whose_response_is_lost_after_commit_is_applied_once(client, store):
    user = unique("u")
    original = credit(user, "40.00")
    key = unique("r")

    with inject(client, "TransactWriteItems", lose_response_after_commit) as fault:
        lost = invoke(reversal, reversal_event(original["transactionId"], key, amount="15.00"))
    retried = invoke(reversal, reversal_event(original["transactionId"], key, amount="15.00"))

    assert fault.injected >= 2 and lost.status == 503
    assert retried.status == 201 and retried.headers["idempotent-replayed"] == "true"
    assert store.balance(user) == Decimal("125.00")
    store.assert_books_balance()
