"""Faults at the DynamoDB boundary: retries converge on one application, never a 500 or a lost cent."""

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

import wallet
from handlers import transact
from tests.faults import (
    LambdaKilled,
    cancelled_by_conflict,
    inject,
    internal_error,
    killed_after_commit,
    killed_before_the_write,
    lose_response_after_commit,
    throttled,
)
from tests.support import invoke, transaction_event, unique
from wallet.errors import InsufficientFunds, ServiceUnavailable


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


# --- Scenarios where the client retries until it gets a final answer, then the books are checked ---

RETRYABLE = {503, 409}


def until_final(event_factory, first_timeout: float = 10.0, attempts: int = 60, handler=transact):
    """Send the same request until the answer is final (not in flight, not 503). Returns all answers."""
    answers = []
    for attempt in range(attempts):
        result = invoke(handler, event_factory(), timeout_seconds=first_timeout if attempt == 0 else 10.0)
        answers.append(result)
        in_flight = result.status == 409 and result.body["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
        if not (result.status == 503 or in_flight):
            return answers
        time.sleep(0.25)
    raise AssertionError(f"no final answer after {attempts} attempts: {[a.status for a in answers]}")


def assert_books_balance(store, user, expected_balance):
    assert store.balance(user) == expected_balance
    assert store.balance(user) == 100 + store.ledger_net(user)


def test_an_applied_movement_stores_its_cached_answer_in_its_own_transaction(client, store):
    """No UpdateItem is made for an applied movement: the COMPLETED record commits with the money, so a
    failing UpdateItem changes nothing, and the replay is the cached answer byte for byte."""
    user, key = unique("u"), unique("k")
    request = lambda: transaction_event(key, user, "30.00", "debit")  # noqa: E731

    with inject(client, "UpdateItem", internal_error) as fault:
        first = invoke(transact, request(), timeout_seconds=2.0)
    replay = invoke(transact, request())

    assert fault.seen == 0 and first.status == 201
    [cached] = [
        item
        for item in client.scan(TableName="WalletIdempotency")["Items"]
        if f'"idempotentKey": "{key}"' in item.get("data", {}).get("S", "")
    ]
    assert cached["status"]["S"] == "COMPLETED" and json.loads(cached["data"]["S"])["body"] == first.body
    assert (replay.status, replay.raw_body, replay.headers["idempotent-replayed"]) == (201, first.raw_body, "true")
    assert_books_balance(store, user, 70)
    assert len(store.ledger(user)) == 1


def test_failed_completed_write_of_a_decline_gives_503_and_the_retry_replays_from_the_ledger(client, store):
    """A decline commits no transaction: Powertools marks it COMPLETED with its own UpdateItem."""
    user, key = unique("u"), unique("k")
    request = lambda: transaction_event(key, user, "300.00", "debit")  # noqa: E731

    with inject(client, "UpdateItem", internal_error) as fault:  # Powertools marks the record COMPLETED
        first = invoke(transact, request(), timeout_seconds=2.0)
    answers = until_final(request)

    assert fault.injected >= 1 and first.status == 503  # the decline is recorded, the cache could not say so
    assert answers[-1].status == 409 and answers[-1].body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert answers[-1].headers["idempotent-replayed"] == "true"
    assert store.key_record(key)["outcome"]["S"] == "DECLINED"
    assert store.balance(user) is None and store.ledger(user) == []


@pytest.mark.parametrize(
    ("kill", "committed"),
    [(killed_before_the_write, False), (killed_after_commit, True)],
    ids=["before-commit", "after-commit"],
)
def test_lambda_killed_mid_request_settles_once(client, store, kill, committed):
    user, key = unique("u"), unique("k")
    request = lambda: transaction_event(key, user, "30.00", "debit")  # noqa: E731

    with inject(client, "TransactWriteItems", kill, times=1), pytest.raises(LambdaKilled):
        invoke(transact, request(), timeout_seconds=2.0)
    answers = until_final(request)

    if committed:  # the cached answer committed with the money: the retry is a replay at once
        assert [(a.status, a.headers.get("idempotent-replayed")) for a in answers] == [(201, "true")]
    else:  # killed before its write, the Powertools lock stays INPROGRESS until the invocation's deadline
        assert answers[0].status == 409 and answers[0].headers["retry-after"]
        assert answers[-1].status == 201 and "idempotent-replayed" not in answers[-1].headers
    assert answers[-1].body["balance"] == "70.00"
    assert_books_balance(store, user, 70)
    assert len(store.ledger(user)) == 1


def test_transaction_conflict_storm_under_concurrency_conserves_money(client, store):
    """Half of all transactions cancelled while 24 threads race on three users (Python API: handlers
    cannot share a process, see local/runtime.py); every client retries until it gets a final answer."""
    rng = random.Random(11)
    users = [unique("storm") for _ in range(3)]
    requests = [
        (unique("s"), rng.choice(users), f"{rng.randint(1, 4000) / 100:.2f}", rng.choice(["credit", "debit"]))
        for _ in range(90)
    ]
    chaos = random.Random(5)

    def sometimes_conflict(request):
        return cancelled_by_conflict(request) if chaos.random() < 0.5 else None

    def until_final_via_api(request):
        while True:
            try:
                return wallet.transact(*request).entry
            except InsufficientFunds:
                return None
            except ServiceUnavailable:
                time.sleep(0.05)

    with inject(client, "TransactWriteItems", sometimes_conflict) as fault, ThreadPoolExecutor(24) as pool:
        finals = list(pool.map(until_final_via_api, requests))

    assert fault.injected > 50
    for user in users:
        accepted = Decimal("100.00")
        for (_, request_user, amount, kind), entry in zip(requests, finals, strict=True):
            if request_user == user and entry is not None:
                accepted += Decimal(amount) if kind == "credit" else -Decimal(amount)
        assert_books_balance(store, user, accepted)
    keys = [item["idempotentKey"]["S"] for user in users for item in store.ledger(user)]
    assert len(keys) == len(set(keys)) == sum(entry is not None for entry in finals)
