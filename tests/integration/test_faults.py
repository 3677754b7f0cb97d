"""Faults at the DynamoDB boundary: retries converge on one application, never a 500 or a lost cent."""

import pytest

from handlers import transact
from tests.faults import cancelled_by_conflict, inject, internal_error, lose_response_after_commit, throttled
from tests.support import invoke, transaction_event, unique


def test_response_lost_after_commit_is_retried_by_botocore_and_applied_once(client, store):
    user, key = unique("u"), unique("k")

    with inject(client, "TransactWriteItems", lose_response_after_commit, times=1) as fault:
        result = invoke(transact, transaction_event(key, user, "25.00", "debit"))

    assert fault.injected == 1 and fault.seen == 2  # the second attempt carried the same ClientRequestToken
    assert result.status == 201
    assert result.body["balance"] == "75.00"
    assert store.balance(user) == 75
    assert len(store.ledger(user)) == 1


def test_response_lost_on_every_attempt_gives_503_then_the_client_retry_replays(client, store):
    user, key = unique("u"), unique("k")

    with inject(client, "TransactWriteItems", lose_response_after_commit) as fault:
        lost = invoke(transact, transaction_event(key, user, "25.00", "debit"))
    retry = invoke(transact, transaction_event(key, user, "25.00", "debit"))

    assert fault.injected >= 2
    assert lost.status == 503
    assert lost.body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert lost.headers["retry-after"]
    assert retry.status == 201
    assert retry.headers["idempotent-replayed"] == "true"  # the ledger already had the key
    assert retry.body["balance"] == "75.00"
    assert store.balance(user) == 75
    assert len(store.ledger(user)) == 1


def test_transaction_conflicts_are_retried_until_the_write_goes_through(client, store):
    user = unique("u")

    with inject(client, "TransactWriteItems", cancelled_by_conflict, times=3) as fault:
        result = invoke(transact, transaction_event(unique("k"), user, "10.00", "credit"))

    assert fault.injected == 3
    assert result.status == 201
    assert store.balance(user) == 110
    assert len(store.ledger(user)) == 1


def test_endless_transaction_conflicts_give_503_write_nothing_and_the_retry_succeeds(client, store):
    user, key = unique("u"), unique("k")

    with inject(client, "TransactWriteItems", cancelled_by_conflict):
        busy = invoke(transact, transaction_event(key, user, "10.00", "credit"))
    assert busy.status == 503
    assert busy.headers["retry-after"]
    assert store.user_items(user) == [] and store.key_record(key) is None

    retry = invoke(transact, transaction_event(key, user, "10.00", "credit"))

    assert retry.status == 201
    assert "idempotent-replayed" not in retry.headers
    assert store.balance(user) == 110


@pytest.mark.parametrize("fault", [throttled, internal_error], ids=["throttled", "500"])
def test_store_errors_before_dynamodb_are_retried_by_botocore(client, store, fault):
    user = unique("u")

    with inject(client, "GetItem", fault, times=2), inject(client, "TransactWriteItems", fault, times=2):
        result = invoke(transact, transaction_event(unique("k"), user, "10.00", "credit"))

    assert result.status == 201
    assert store.balance(user) == 110


@pytest.mark.parametrize("fault", [throttled, internal_error], ids=["throttled", "500"])
def test_persistent_store_errors_give_503_and_write_nothing(client, store, fault):
    user, key = unique("u"), unique("k")

    with inject(client, "TransactWriteItems", fault):
        result = invoke(transact, transaction_event(key, user, "10.00", "credit"))

    assert result.status == 503
    assert result.body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert store.user_items(user) == [] and store.key_record(key) is None
    assert invoke(transact, transaction_event(key, user, "10.00", "credit")).status == 201


def test_idempotency_store_failure_is_503_and_moves_no_money(client, store):
    user = unique("u")

    with inject(client, "PutItem", internal_error):
        result = invoke(transact, transaction_event(unique("k"), user, "10.00", "credit"))

    assert result.status == 503
    assert store.user_items(user) == []
