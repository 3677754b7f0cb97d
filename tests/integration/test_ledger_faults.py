"""Faults on transfers and double-entry movements: lost responses after commit, conflicts, throttles.
Whatever happens, a transfer has both legs or neither, a key moves money once, and the books balance."""

import random
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

import wallet
from handlers import transfer
from tests.faults import cancelled_by_conflict, inject, lose_response_after_commit, throttled
from tests.integration.test_faults import until_final
from tests.support import invoke, transfer_event, unique
from wallet.errors import InsufficientFunds, ServiceUnavailable


def legs(store, user, key):
    return [item for item in store.ledger(user) if item["idempotentKey"]["S"] == key]


def test_transfer_response_lost_after_commit_is_applied_once(client, store):
    source, target, key = unique("a"), unique("b"), unique("t")

    with inject(client, "TransactWriteItems", lose_response_after_commit, times=1) as fault:
        result = invoke(transfer, transfer_event(key, source, target, "40.00"))

    assert fault.injected == 1 and result.status == 201
    assert (result.body["fromBalance"], result.body["toBalance"]) == ("60.00", "140.00")
    assert len(legs(store, source, key)) == len(legs(store, target, key)) == 1
    store.assert_books_balance()


def test_transfer_lost_on_every_attempt_is_503_then_the_retry_replays(client, store):
    source, target, key = unique("a"), unique("b"), unique("t")

    with inject(client, "TransactWriteItems", lose_response_after_commit):
        lost = invoke(transfer, transfer_event(key, source, target, "40.00"))
    answers = until_final(lambda: transfer_event(key, source, target, "40.00"), handler=transfer)

    assert lost.status == 503 and lost.headers["retry-after"]
    assert answers[-1].status == 201 and answers[-1].headers["idempotent-replayed"] == "true"
    assert (store.balance(source), store.balance(target)) == (Decimal("60.00"), Decimal("140.00"))
    assert len(legs(store, source, key)) == len(legs(store, target, key)) == 1
    store.assert_books_balance()


@pytest.mark.parametrize(("fault", "times"), [(cancelled_by_conflict, 3), (throttled, 2)], ids=["conflict", "throttle"])
def test_transfer_conflicts_and_throttles_are_retried_to_one_application(client, store, fault, times):
    source, target, key = unique("a"), unique("b"), unique("t")

    with inject(client, "TransactWriteItems", fault, times=times) as injected:
        result = invoke(transfer, transfer_event(key, source, target, "1.00"))

    assert injected.injected == times and result.status == 201
    assert len(legs(store, source, key)) == len(legs(store, target, key)) == 1
    store.assert_books_balance()


@pytest.mark.parametrize("fault", [cancelled_by_conflict, throttled], ids=["conflict", "throttle"])
def test_endless_faults_give_503_and_write_neither_leg(client, store, fault):
    source, target, key = unique("a"), unique("b"), unique("t")

    with inject(client, "TransactWriteItems", fault):
        result = invoke(transfer, transfer_event(key, source, target, "1.00"))

    assert result.status == 503 and result.body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert store.user_items(source) == store.user_items(target) == [] and store.key_record(key) is None
    assert invoke(transfer, transfer_event(key, source, target, "1.00")).status == 201
    store.assert_books_balance()


def test_transfers_under_random_faults_and_concurrency_keep_the_books(client, store):
    """A third of all transactions lose their response after commit, are cancelled by a conflict or are
    throttled, while 16 threads move money among 5 users; every client retries until it has a final
    answer. Python API: handlers cannot share a process (see local/runtime.py)."""
    rng, chaos = random.Random(21), random.Random(8)
    users = [unique("chaos") for _ in range(5)]
    requests = []
    for _ in range(120):
        source, target = rng.sample(users, 2)
        requests.append((unique("f"), source, target, f"{rng.randint(1, 3000) / 100:.2f}"))

    def sometimes_fail(request):
        roll = chaos.random()
        if roll < 0.1:
            return lose_response_after_commit(request)
        if roll < 0.2:
            return cancelled_by_conflict(request)
        return throttled(request) if roll < 0.3 else None

    def until_final_via_api(request):
        while True:
            try:
                return wallet.transfer(*request)
            except InsufficientFunds:
                return None
            except ServiceUnavailable:
                time.sleep(0.05)

    with inject(client, "TransactWriteItems", sometimes_fail) as fault, ThreadPoolExecutor(16) as pool:
        finals = list(pool.map(until_final_via_api, requests))

    assert fault.injected > 30
    applied = [result for result in finals if result is not None]
    assert applied
    for key, source, target, _ in requests:
        assert len(legs(store, source, key)) == len(legs(store, target, key)) in (0, 1)
    assert sum(store.balance(user) or Decimal("100.00") for user in users) == Decimal("500.00")
    store.assert_books_balance()
