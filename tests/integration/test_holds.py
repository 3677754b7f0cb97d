"""Holds through the handlers: place, capture, void, expiry at the exact instant, racing, faults."""

import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import wallet
from handlers import balance, balances, history, holds, reversal, transact, transfer
from tests.faults import inject, lose_response_after_commit
from tests.support import (
    hold_event,
    invoke,
    load_event,
    place_event,
    reversal_event,
    run_concurrently,
    send_until_final,
    transaction_event,
    transfer_event,
    unique,
    user_event,
)


def place(user, amount, **fields):
    result = invoke(holds, place_event(user, amount, **fields))
    assert result.status == 201, result.body
    return result.body


def amounts(user, currency="USD"):
    body = invoke(balance, user_event("balance", user, {"currency": currency})).body
    return body["balance"], body["held"], body["available"]


@pytest.fixture
def clock():
    """Moves the service's clock (in this process) forward without waiting."""
    service = wallet.default_service()
    offset = {"value": timedelta(0)}
    original = service._clock
    service._clock = lambda: datetime.now(UTC) + offset["value"]
    yield offset
    service._clock = original


def test_a_hold_keeps_money_in_the_balance_but_not_available(store):
    user = unique("u")

    body = place(user, "30.00", description="Hotel", metadata={"booking": "b-1"})

    assert body["status"] == "pending" and body["available"] == "70.00" and body["amount"] == "30.00"
    assert body["metadata"] == {"booking": "b-1"} and body["expiresAt"] > body["createdAt"]
    assert amounts(user) == ("100.00", "30.00", "70.00")
    listed = invoke(balances, user_event("balances", user)).body["balances"][0]
    assert (listed["balance"], listed["held"], listed["available"]) == ("100.00", "30.00", "70.00")
    assert invoke(history, user_event("history", user, {})).body["items"] == []  # placing writes no history
    store.assert_books_balance()


def test_debits_transfers_and_new_holds_check_the_available_balance():
    user = unique("u")
    place(user, "60.00")

    debit = invoke(transact, transaction_event(unique("k"), user, "40.01", "debit"))
    moved = invoke(transfer, transfer_event(unique("k"), user, unique("v"), "40.01"))
    second = invoke(holds, place_event(user, "40.01"))
    fits = invoke(transact, transaction_event(unique("k"), user, "40.00", "debit"))

    assert [debit.status, moved.status, second.status] == [409, 409, 409]
    assert {debit.body["error"]["code"], moved.body["error"]["code"], second.body["error"]["code"]} == {
        "INSUFFICIENT_FUNDS"
    }
    assert fits.status == 201
    assert amounts(user) == ("60.00", "60.00", "0.00")


def test_a_partial_capture_moves_the_amount_releases_the_rest_and_ends_the_hold(store):
    user = unique("u")
    hold = place(user, "30.00")
    key = unique("c")

    captured = invoke(holds, hold_event("hold-capture", hold["holdId"], {"idempotentKey": key, "amount": "20.00"}))
    replay = invoke(holds, hold_event("hold-capture", hold["holdId"], {"idempotentKey": key, "amount": "20.00"}))
    again = invoke(holds, hold_event("hold-capture", hold["holdId"]))
    void = invoke(holds, hold_event("hold-void", hold["holdId"]))
    shown = invoke(holds, hold_event("hold-get", hold["holdId"]))

    assert captured.status == 200, captured.body
    assert (captured.body["status"], captured.body["capturedAmount"], captured.body["capturedTo"]) == (
        "captured",
        "20.00",
        "revenue",
    )
    assert replay.status == 200 and replay.raw_body == captured.raw_body and replay.headers["idempotent-replayed"]
    assert again.status == void.status == 409 and again.body["error"]["code"] == "HOLD_NOT_PENDING"
    assert "captured" in again.body["error"]["message"]
    assert shown.body == captured.body | {"status": "captured", "receipts": []}  # the capture's answer has them
    [receipt] = captured.body["receipts"]
    assert receipt["userId"] == user and len(receipt["hash"]) == 64
    assert amounts(user) == ("80.00", "0.00", "80.00")
    [entry] = invoke(history, user_event("history", user, {})).body["items"]
    assert (entry["type"], entry["amount"], entry["holdId"], entry["transactionId"]) == (
        "debit",
        "20.00",
        hold["holdId"],
        captured.body["transactionId"],
    )
    store.assert_books_balance()


def test_a_capture_can_pay_another_user_and_be_reversed(store):
    user, shop = unique("u"), unique("shop")
    hold = place(user, "25.00")

    captured = invoke(
        holds, hold_event("hold-capture", hold["holdId"], {"idempotentKey": unique("c"), "toUserId": shop})
    )
    refund = invoke(reversal, reversal_event(captured.body["transactionId"], unique("r"), amount="5.00"))

    assert captured.status == 200 and captured.body["capturedTo"] == shop
    assert refund.status == 201, refund.body
    assert (store.balance(user), store.balance(shop)) == (Decimal("80.00"), Decimal("120.00"))
    store.assert_books_balance()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"amount": "30.01"}, 409),  # CAPTURE_REFUSED: the request is well formed, the hold holds less
        ({"toUserId": "HOLDER"}, 409),
        ({"amount": "1", "counterparty": "revenue", "toUserId": "x"}, 400),
        ({"counterparty": "bank"}, 400),
        ({"amount": "1.001"}, 400),
    ],
    ids=["more-than-held", "to-its-own-user", "two-targets", "unknown-counterparty", "beyond-scale"],
)
def test_invalid_captures_are_refused_and_change_nothing(store, body, status):
    user = unique("u")
    hold = place(user, "30.00")
    before = store.count_all()

    body = {name: user if value == "HOLDER" else value for name, value in body.items()}
    result = invoke(holds, hold_event("hold-capture", hold["holdId"], {"idempotentKey": unique("c"), **body}))

    assert result.status == status, result.body
    assert store.count_all() == before
    assert amounts(user) == ("100.00", "30.00", "70.00")


def test_a_body_that_is_not_an_object_voids_nothing_even_with_the_key_in_the_header(store):
    user = unique("u")
    hold = place(user, "30.00")
    event = hold_event("hold-void", hold["holdId"])
    event["body"], event["headers"]["idempotency-key"] = "5.7e+16", unique("v")

    result = invoke(holds, event)

    assert (result.status, result.body["error"]["message"]) == (400, "body: must be a JSON object")
    assert amounts(user) == ("100.00", "30.00", "70.00")


def test_void_releases_everything_once():
    user = unique("u")
    hold = place(user, "30.00")
    key = unique("v")

    first = invoke(holds, hold_event("hold-void", hold["holdId"], {"idempotentKey": key}))
    replay = invoke(holds, hold_event("hold-void", hold["holdId"], {"idempotentKey": key}))
    capture = invoke(holds, hold_event("hold-capture", hold["holdId"]))

    assert first.status == replay.status == 200 and first.body["status"] == "voided"
    assert replay.raw_body == first.raw_body
    assert capture.status == 409 and capture.body["error"]["code"] == "HOLD_NOT_PENDING"
    assert amounts(user) == ("100.00", "0.00", "100.00")


def test_expiry_is_exact_without_any_job(clock, store):
    user = unique("u")
    hold = place(user, "30.00", expiresInSeconds=60)

    clock["value"] = timedelta(seconds=59.9)
    assert amounts(user) == ("100.00", "30.00", "70.00")
    clock["value"] = timedelta(seconds=60)  # the instant it expires: it stops counting
    assert amounts(user) == ("100.00", "0.00", "100.00")
    capture = invoke(holds, hold_event("hold-capture", hold["holdId"]))
    void = invoke(holds, hold_event("hold-void", hold["holdId"]))
    shown = invoke(holds, hold_event("hold-get", hold["holdId"]))
    expired = invoke(holds, user_event("user-holds", user, {"status": "expired"}))
    spend = invoke(transact, transaction_event(unique("k"), user, "100.00", "debit"))

    assert capture.status == void.status == 409
    assert capture.body["error"]["code"] == void.body["error"]["code"] == "HOLD_EXPIRED"
    assert shown.body["status"] == "expired"
    assert [item["holdId"] for item in expired.body["items"]] == [hold["holdId"]]
    assert spend.status == 201
    store.assert_books_balance()


def test_listing_holds_by_status_pages():
    user = unique("u")
    placed = [place(user, "1.00")["holdId"] for _ in range(5)]
    invoke(holds, hold_event("hold-void", placed[0]))

    def listed(status):
        items, cursor = [], None
        while True:
            query = {"limit": "2"} | ({"status": status} if status else {}) | ({"cursor": cursor} if cursor else {})
            page = invoke(holds, user_event("user-holds", user, query))
            assert page.status == 200, page.body
            items += page.body["items"]
            cursor = page.body["nextCursor"]
            if cursor is None:
                return items

    everything = listed(None)
    created = [item["createdAt"] for item in everything]
    assert created == sorted(created, reverse=True), "newest first, across pages"
    assert sorted(item["holdId"] for item in everything) == sorted(placed)  # each once
    assert sorted(item["holdId"] for item in listed("pending")) == sorted(placed[1:])
    assert [item["holdId"] for item in listed("voided")] == [placed[0]]
    assert invoke(holds, user_event("user-holds", user, {"status": "lost"})).status == 400


def test_unknown_holds_are_404():
    for sample in ("hold-capture", "hold-void"):
        result = invoke(holds, hold_event(sample, "no-such-hold"))
        assert result.status == 404 and result.body["error"]["code"] == "HOLD_NOT_FOUND"
    assert invoke(holds, load_event("hold-get")).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"expiresInSeconds": 59},
        {"expiresInSeconds": 2592001},
        {"expiresInSeconds": "60"},
        {"expiresInSeconds": 60.5},
        {"currency": "GOLD", "amount": "1.5"},
    ],
)
def test_invalid_holds_are_400_and_write_nothing(store, body):
    user = unique("u")
    before = store.count_all()
    result = invoke(holds, place_event(user, body.pop("amount", "1.00"), **body))
    assert result.status == 400, result.body
    assert store.count_all() == before


def test_an_integer_written_as_a_json_decimal_is_an_integer(store):
    placed = invoke(holds, place_event(unique("u"), "1.00", expiresInSeconds=600.0))  # JSON Schema's integer too

    assert placed.status == 201, placed.body
    assert placed.body["expiresAt"] > placed.body["createdAt"]


def test_200_holds_racing_with_debits_never_overdraw_the_available_balance(environments, store):
    user = unique("race")
    rng = random.Random(4)
    events = []
    for _ in range(200):
        if rng.random() < 0.5:
            events.append((holds, place_event(user, "1.00")))
        else:
            events.append((transact, transaction_event(unique("d"), user, "1.00", "debit")))

    with ThreadPoolExecutor(max_workers=48) as clients:
        results = list(clients.map(lambda request: send_until_final(environments, *request), events))

    applied = sum(result.status in (200, 201) for result in results)
    assert applied == 100, "exactly the 100.00 available was held or spent"
    assert {result.body["error"]["code"] for result in results if result.status == 409} == {"INSUFFICIENT_FUNDS"}
    posted, held, available = amounts(user)
    assert Decimal(available) == 0 and Decimal(posted) - Decimal(held) == 0
    store.assert_books_balance()


def test_captures_and_voids_racing_on_the_same_holds_end_each_hold_once(environments, store):
    user = unique("u")
    placed = [place(user, "5.00")["holdId"] for _ in range(20)]
    events = [
        hold_event(sample, hold_id)
        for hold_id in placed
        for sample in ("hold-capture", "hold-void", "hold-capture", "hold-void", "hold-capture")
    ]
    random.Random(9).shuffle(events)

    results = run_concurrently(environments, holds, events, clients=48)

    winners: dict[str, list[str]] = {}
    for event, result in zip(events, results, strict=True):
        assert result.status in (200, 409), result.body
        if result.status == 200:
            winners.setdefault(event["pathParameters"]["holdId"], []).append(result.body["status"])
        else:
            assert result.body["error"]["code"] == "HOLD_NOT_PENDING"
    assert sorted(winners) == sorted(placed) and all(len(won) == 1 for won in winners.values())
    captured = sum(1 for won in winners.values() if won == ["captured"])
    assert store.balance(user) == Decimal("100.00") - 5 * captured
    assert amounts(user)[1] == "0.00"
    store.assert_books_balance()


@pytest.mark.parametrize("sample", ["hold-capture", "hold-void"])
def test_a_capture_or_void_whose_response_is_lost_is_applied_once(client, store, sample):
    user = unique("u")
    hold = place(user, "30.00")
    body = {"idempotentKey": unique("k")}

    with inject(client, "TransactWriteItems", lose_response_after_commit) as fault:
        lost = invoke(holds, hold_event(sample, hold["holdId"], body))
    retried = invoke(holds, hold_event(sample, hold["holdId"], body))

    assert fault.injected >= 2 and lost.status == 503
    assert retried.status == 200 and retried.headers["idempotent-replayed"] == "true"
    expected = "70.00" if sample == "hold-capture" else "100.00"
    assert amounts(user) == (expected, "0.00", expected)
    store.assert_books_balance()
