"""POST /transactions through the Lambda handler, against DynamoDB Local."""

import json

import pytest

from handlers import balance, holds, not_found, transact, transfer
from tests.support import (
    invoke,
    load_event,
    place_event,
    transaction_event,
    transfer_event,
    unique,
    user_event,
    with_body,
)


def balance_of(user: str) -> str:
    return invoke(balance, user_event("balance", user)).body["balance"]


def test_credit_returns_201_with_the_balance_after_it(store):
    user, key = unique("u"), unique("k")

    result = invoke(transact, transaction_event(key, user, "50.00", "credit"))

    assert result.status == 201
    assert "idempotent-replayed" not in result.headers
    body = result.body
    original = {"transactionId", "idempotentKey", "userId", "type", "amount", "balance", "createdAt"}
    assert set(body) == original | {"currency", "counterparty", "description", "metadata", "receipts"}  # additive
    assert (body["currency"], body["counterparty"], body["description"], body["metadata"]) == (
        "USD",
        "treasury",
        None,
        None,
    )
    assert (body["idempotentKey"], body["userId"], body["type"], body["amount"], body["balance"]) == (
        key,
        user,
        "credit",
        "50.00",
        "150.00",
    )
    assert store.balance(user) == 150
    [entry] = store.ledger(user)
    assert entry["transactionId"]["S"] == body["transactionId"]
    assert entry["balanceAfterMinor"]["N"] == "15000"
    assert body["receipts"] == [  # the entry as its account's chain holds it
        {"userId": user, "currency": "USD", "sequence": 1, "previousHash": "0" * 64, "hash": entry["hash"]["S"]}
    ]


def test_sample_events_credit_then_debit_then_overdraft():
    credit = invoke(transact, load_event("transact-credit"))
    debit = invoke(transact, load_event("transact-debit"))
    overdraft = invoke(transact, load_event("transact-debit-overdraft"))

    assert credit.status == 201 and credit.body["idempotentKey"] == "k1"
    assert debit.status == 201 and debit.body["type"] == "debit"
    assert overdraft.status == 409 and overdraft.body["error"]["code"] == "INSUFFICIENT_FUNDS"


def test_json_number_amount_and_header_key_are_accepted():
    result = invoke(transact, load_event("transact-header-key"))

    assert result.status == 201
    assert result.body["amount"] == "12.50"
    assert result.body["idempotentKey"] == "k4"


def test_replay_returns_the_first_status_and_body_even_after_the_balance_moved(store):
    user, key = unique("u"), unique("k")
    first = invoke(transact, transaction_event(key, user, "10.00", "debit"))
    invoke(transact, transaction_event(unique("k"), user, "40.00", "credit"))

    replay = invoke(transact, transaction_event(key, user, "10.00", "debit"))

    assert first.status == replay.status == 201
    assert replay.raw_body == first.raw_body
    assert replay.headers["idempotent-replayed"] == "true"
    assert store.balance(user) == 130
    assert len(store.ledger(user)) == 2


def test_replay_after_powertools_record_expired_is_answered_by_the_ledger(store):
    user, key = unique("u"), unique("k")
    first = invoke(transact, transaction_event(key, user, "10.00", "credit"))
    store.delete_powertools_records()

    replay = invoke(transact, transaction_event(key, user, "10.00", "credit"))

    assert replay.status == 201
    assert replay.body == first.body
    assert replay.headers["idempotent-replayed"] == "true"
    assert store.balance(user) == 110
    assert len(store.ledger(user)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "11.00"},
        {"type": "debit"},
        {"userId": "someone-else"},
        {"currency": "EUR"},
        {"counterparty": "promotions"},
        {"description": "other"},
        {"metadata": {"a": "b"}},
    ],
    ids=["amount", "type", "user", "currency", "counterparty", "description", "metadata"],
)
@pytest.mark.parametrize("cache", ["powertools", "ledger"])
def test_reusing_a_key_with_another_payload_is_422_and_changes_nothing(store, change, cache):
    user, key = unique("u"), unique("k")
    invoke(transact, transaction_event(key, user, "10.00", "credit"))
    if cache == "ledger":
        store.delete_powertools_records()
    before = store.count_all()
    request = {"userId": user, "amount": "10.00", "type": "credit"} | change

    result = invoke(
        transact,
        transaction_event(key, request.pop("userId"), request.pop("amount"), request.pop("type"), **request),
    )

    assert result.status == 422
    assert result.body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert store.balance(user) == 110
    assert store.balance("someone-else") is None
    assert store.count_all() == before


def test_declined_debit_is_409_changes_nothing_and_stays_declined_after_a_credit(store):
    user, key = unique("u"), unique("k")

    declined = invoke(transact, transaction_event(key, user, "150.00", "debit"))
    assert declined.status == 409
    assert declined.body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert store.balance(user) is None and store.ledger(user) == []

    invoke(transact, transaction_event(unique("k"), user, "100.00", "credit"))
    store.delete_powertools_records()  # the decline must be remembered by the ledger too
    replay = invoke(transact, transaction_event(key, user, "150.00", "debit"))

    assert replay.status == 409
    assert replay.body == declined.body
    assert replay.headers["idempotent-replayed"] == "true"
    assert store.balance(user) == 200
    assert len(store.ledger(user)) == 1
    assert store.key_record(key)["outcome"]["S"] == "DECLINED"


def test_debit_of_the_whole_balance_leaves_zero():
    user = unique("u")

    result = invoke(transact, transaction_event(unique("k"), user, "100.00", "debit"))

    assert result.status == 201
    assert result.body["balance"] == "0.00"
    assert invoke(transact, transaction_event(unique("k"), user, "0.01", "debit")).status == 409
    assert balance_of(user) == "0.00"


def test_header_and_body_keys_that_differ_are_400(store):
    user = unique("u")

    result = invoke(transact, transaction_event("body-key", user, "1.00", "credit", {"Idempotency-Key": "header-key"}))

    assert result.status == 400
    assert store.user_items(user) == []


def test_matching_header_and_body_keys_are_accepted():
    user, key = unique("u"), unique("k")

    result = invoke(transact, transaction_event(key, user, "1.00", "credit", {"Idempotency-Key": key}))

    assert result.status == 201


INVALID_BODIES = {
    "missing key": {"userId": "u", "amount": "1.00", "type": "credit"},
    "missing user": {"idempotentKey": "k", "amount": "1.00", "type": "credit"},
    "missing amount": {"idempotentKey": "k", "userId": "u", "type": "credit"},
    "missing type": {"idempotentKey": "k", "userId": "u", "amount": "1.00"},
    "zero": {"idempotentKey": "k", "userId": "u", "amount": "0", "type": "credit"},
    "zero string": {"idempotentKey": "k", "userId": "u", "amount": "0.00", "type": "credit"},
    "negative": {"idempotentKey": "k", "userId": "u", "amount": "-5.00", "type": "credit"},
    "negative number": {"idempotentKey": "k", "userId": "u", "amount": -5, "type": "credit"},
    "three decimals": {"idempotentKey": "k", "userId": "u", "amount": "1.001", "type": "credit"},
    "over the limit": {"idempotentKey": "k", "userId": "u", "amount": "1000000000.01", "type": "credit"},
    "exponent string": {"idempotentKey": "k", "userId": "u", "amount": "1e3", "type": "credit"},
    "nan string": {"idempotentKey": "k", "userId": "u", "amount": "NaN", "type": "credit"},
    "infinity string": {"idempotentKey": "k", "userId": "u", "amount": "Infinity", "type": "credit"},
    "trailing junk": {"idempotentKey": "k", "userId": "u", "amount": "10abc", "type": "credit"},
    "boolean": {"idempotentKey": "k", "userId": "u", "amount": True, "type": "credit"},
    "null": {"idempotentKey": "k", "userId": "u", "amount": None, "type": "credit"},
    "list": {"idempotentKey": "k", "userId": "u", "amount": ["1"], "type": "credit"},
    "other type": {"idempotentKey": "k", "userId": "u", "amount": "1.00", "type": "refund"},
    "type case": {"idempotentKey": "k", "userId": "u", "amount": "1.00", "type": "Credit"},
    "numeric user": {"idempotentKey": "k", "userId": 42, "amount": "1.00", "type": "credit"},
    "empty user": {"idempotentKey": "k", "userId": "", "amount": "1.00", "type": "credit"},
    "user with slash": {"idempotentKey": "k", "userId": "a/b", "amount": "1.00", "type": "credit"},
    "user too long": {"idempotentKey": "k", "userId": "u" * 129, "amount": "1.00", "type": "credit"},
    "empty key": {"idempotentKey": "", "userId": "u", "amount": "1.00", "type": "credit"},
    "key too long": {"idempotentKey": "k" * 256, "userId": "u", "amount": "1.00", "type": "credit"},
    "non-ascii key": {"idempotentKey": "clé", "userId": "u", "amount": "1.00", "type": "credit"},
    "numeric key": {"idempotentKey": 7, "userId": "u", "amount": "1.00", "type": "credit"},
    "unknown field": {"idempotentKey": "k", "userId": "u", "amount": "1.00", "type": "credit", "ammount": "2"},
    "unknown currency": {"idempotentKey": "k", "userId": "u", "amount": "1.00", "type": "credit", "currency": "JPY"},
    "lower-case currency": {"idempotentKey": "k", "userId": "u", "amount": "1", "type": "credit", "currency": "usd"},
    "decimals beyond GOLD's scale": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "12.0",
        "type": "credit",
        "currency": "GOLD",
    },
    "over the maximum of GOLD": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "1000000001",
        "type": "credit",
        "currency": "GOLD",
    },
    "unknown counterparty": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "1",
        "type": "credit",
        "counterparty": "bank",
    },
    "description too long": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "1",
        "type": "credit",
        "description": "x" * 201,
    },
    "description not text": {"idempotentKey": "k", "userId": "u", "amount": "1", "type": "credit", "description": 5},
    "metadata not an object": {"idempotentKey": "k", "userId": "u", "amount": "1", "type": "credit", "metadata": ["a"]},
    "metadata value not text": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "1",
        "type": "credit",
        "metadata": {"a": 1},
    },
    "metadata with 21 keys": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "1",
        "type": "credit",
        "metadata": {f"k{n}": "v" for n in range(21)},
    },
    "metadata over 2 KB": {
        "idempotentKey": "k",
        "userId": "u",
        "amount": "1",
        "type": "credit",
        "metadata": {"a": "v" * 2100},
    },
}
INVALID_RAW_BODIES = {
    "exponent number": '{"idempotentKey": "k", "userId": "u", "amount": 1e3, "type": "credit"}',
    "NaN literal": '{"idempotentKey": "k", "userId": "u", "amount": NaN, "type": "credit"}',
    "Infinity literal": '{"idempotentKey": "k", "userId": "u", "amount": Infinity, "type": "credit"}',
    "float with three places": '{"idempotentKey": "k", "userId": "u", "amount": 10.005, "type": "credit"}',
    "not json": "idempotentKey=k&userId=u",
    "json array": "[1, 2]",
    "json string": '"hello"',
    "json null": "null",
    "json number": "5.7e+16",
    "json boolean": "true",
    "empty": "",
    "deeply nested": "[" * 5000 + "]" * 5000,
    "truncated": '{"idempotentKey": "k", ',
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_request_is_400_and_writes_nothing(store, body):
    before = store.count_all()

    result = invoke(transact, with_body("transact-credit", body))

    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "VALIDATION_ERROR"
    assert result.body["error"]["message"]
    assert store.count_all() == before


@pytest.mark.parametrize("body", INVALID_RAW_BODIES.values(), ids=INVALID_RAW_BODIES.keys())
def test_malformed_body_is_400_and_writes_nothing(store, body):
    before = store.count_all()

    result = invoke(transact, with_body("transact-credit", body))

    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "VALIDATION_ERROR"
    assert store.count_all() == before


def test_invalid_amount_sample_event_is_400():
    result = invoke(transact, load_event("transact-invalid-amount"))

    assert result.status == 400
    assert "amount" in result.body["error"]["message"]


def test_body_over_16_kb_is_413_and_writes_nothing(store):
    before = store.count_all()
    body = json.dumps({"idempotentKey": "k", "userId": "u", "amount": "1.00", "type": "credit", "pad": "x" * 17000})

    result = invoke(transact, with_body("transact-credit", body))

    assert result.status == 413
    assert result.body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert store.count_all() == before


def test_non_json_content_type_is_415_and_writes_nothing(store):
    user = unique("u")
    event = transaction_event(unique("k"), user, "1.00", "credit", {"Content-Type": "text/plain"})

    result = invoke(transact, event)

    assert result.status == 415
    assert store.user_items(user) == []


def test_unknown_route_is_404_with_error_body():
    result = invoke(not_found, load_event("not-found"))

    assert result.status == 404
    assert result.body == {"error": {"code": "NOT_FOUND", "message": "No such route."}}


def test_a_known_path_with_another_method_is_405_with_allow():
    result = invoke(not_found, load_event("method-not-allowed"))

    assert (result.status, result.headers["allow"]) == (405, "GET")
    assert result.body["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_the_key_is_global_across_users(store):
    key, first_user, second_user = unique("k"), unique("u"), unique("u")
    invoke(transact, transaction_event(key, first_user, "5.00", "credit"))

    result = invoke(transact, transaction_event(key, second_user, "5.00", "credit"))

    assert result.status == 422
    assert store.user_items(second_user) == []


def test_body_that_is_not_utf8_is_400_not_500(store):
    event = with_body("transact-credit", "")
    event["body"], event["isBase64Encoded"] = "gA==", True  # the single byte 0x80

    result = invoke(transact, event)

    assert result.status == 400
    assert result.body["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "content_type", [None, "application/x-www-form-urlencoded", "text/plain"], ids=["missing", "form", "text"]
)
@pytest.mark.parametrize("route", ["transactions", "transfers", "holds"])
def test_a_body_without_a_json_content_type_is_415_saying_what_to_send(store, content_type, route):
    user, key = unique("u"), unique("k")
    handler, event = {
        "transactions": (transact, transaction_event(key, user, "1.00", "credit")),
        "transfers": (transfer, transfer_event(key, user, unique("v"), "1.00")),
        "holds": (holds, place_event(user, "1.00", key)),
    }[route]
    event["headers"].pop("content-type", None)
    if content_type:
        event["headers"]["content-type"] = content_type

    result = invoke(handler, event)

    assert result.status == 415
    assert result.body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert "Content-Type: application/json" in result.body["error"]["message"]
    assert store.user_items(user) == [] and store.key_record(key) is None
