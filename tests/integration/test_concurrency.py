"""Real threads against DynamoDB Local: no overdraft, no lost update, no double application."""

import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from handlers import transact
from tests.support import invoke, transaction_event, unique


def run_all(events, workers):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda event: invoke(transact, event, timeout_seconds=60), events))


def test_200_concurrent_debits_of_1_on_100_exactly_100_succeed(store):
    user = unique("hot")
    events = [transaction_event(unique("d"), user, "1.00", "debit") for _ in range(200)]

    results = run_all(events, workers=200)

    statuses = [result.status for result in results]
    assert statuses.count(201) == 100
    assert statuses.count(409) == 100
    assert all(result.body["error"]["code"] == "INSUFFICIENT_FUNDS" for result in results if result.status == 409)
    assert store.balance(user) == 0
    assert len(store.ledger(user)) == 100
    assert sorted(int(item["balanceAfterMinor"]["N"]) for item in store.ledger(user)) == list(range(0, 10000, 100))


def test_concurrent_mixed_movements_on_a_few_users_conserve_money(store):
    rng = random.Random(7)
    users = [unique("mix") for _ in range(4)]
    requests = [
        (unique("m"), rng.choice(users), f"{rng.randint(1, 6000) / 100:.2f}", rng.choice(["credit", "debit"]))
        for _ in range(240)
    ]

    results = run_all([transaction_event(*request) for request in requests], workers=48)

    assert {result.status for result in results} <= {201, 409}
    for user in users:
        accepted = Decimal("100.00")
        for (_, request_user, amount, kind), result in zip(requests, results, strict=True):
            if request_user == user and result.status == 201:
                accepted += Decimal(amount) if kind == "credit" else -Decimal(amount)
        assert store.balance(user) == accepted
        assert store.balance(user) == 100 + store.ledger_net(user)
        assert store.balance(user) >= 0
        # balanceAfter chains: entry n's balance is entry n-1's balance plus its movement
        running = Decimal("100.00")
        for item in store.ledger(user):
            amount = Decimal(item["amountMinor"]["N"]) / 100
            running += amount if item["type"]["S"] == "credit" else -amount
            assert Decimal(item["balanceAfterMinor"]["N"]) / 100 == running


def test_the_same_key_sent_concurrently_moves_money_once(store):
    user, key = unique("dup"), unique("k")
    events = [transaction_event(key, user, "7.00", "debit") for _ in range(30)]

    results = run_all(events, workers=30)

    statuses = {result.status for result in results}
    assert statuses <= {201, 409}
    applied = [result for result in results if result.status == 201]
    in_flight = [result for result in results if result.status == 409]
    assert applied, "at least the first request applies"
    assert len({result.body["transactionId"] for result in applied}) == 1
    assert all(result.body["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE" for result in in_flight)
    assert all(result.headers["retry-after"] for result in in_flight)
    assert store.balance(user) == 93
    assert len(store.ledger(user)) == 1
