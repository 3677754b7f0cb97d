"""Concurrency against DynamoDB Local: no overdraft, no lost update, no double application.

Through the handlers, requests run in parallel Lambda execution environments (processes, see
local/runtime.py); through the Python API, in real threads of one process.
"""

import random
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import wallet
from handlers import transact
from tests.support import invoke_in, run_concurrently, transaction_event, unique
from wallet.errors import InsufficientFunds, ServiceUnavailable

CLIENT_THREADS = 200


def run_all(environments, events):
    return run_concurrently(environments, transact, events, CLIENT_THREADS)


def assert_statement_chains(store, user):
    """Each entry's balanceAfter is the previous one plus its movement, from 100.00."""
    running = Decimal("100.00")
    for item in store.ledger(user):
        amount = Decimal(item["amountMinor"]["N"]) / 100
        running += amount if item["type"]["S"] == "credit" else -amount
        assert Decimal(item["balanceAfterMinor"]["N"]) / 100 == running
    assert store.balance(user) in (None, running)


def test_200_concurrent_debits_of_1_on_100_exactly_100_succeed(environments, store):
    user = unique("hot")
    events = [transaction_event(unique("d"), user, "1.00", "debit") for _ in range(200)]

    results = run_all(environments, events)

    statuses = [result.status for result in results]
    assert statuses.count(201) == 100
    assert statuses.count(409) == 100
    assert all(result.body["error"]["code"] == "INSUFFICIENT_FUNDS" for result in results if result.status == 409)
    assert store.balance(user) == 0
    assert len(store.ledger(user)) == 100
    assert sorted(int(item["balanceAfterMinor"]["N"]) for item in store.ledger(user)) == list(range(0, 10000, 100))
    assert_statement_chains(store, user)


def test_concurrent_mixed_movements_on_a_few_users_conserve_money(environments, store):
    rng = random.Random(7)
    users = [unique("mix") for _ in range(4)]
    requests = [
        (unique("m"), rng.choice(users), f"{rng.randint(1, 6000) / 100:.2f}", rng.choice(["credit", "debit"]))
        for _ in range(240)
    ]

    results = run_all(environments, [transaction_event(*request) for request in requests])

    assert {result.status for result in results} <= {201, 409}
    for user in users:
        accepted = Decimal("100.00")
        for (_, request_user, amount, kind), result in zip(requests, results, strict=True):
            if request_user == user and result.status == 201:
                accepted += Decimal(amount) if kind == "credit" else -Decimal(amount)
        assert store.balance(user) == accepted
        assert store.balance(user) == 100 + store.ledger_net(user)
        assert store.balance(user) >= 0
        assert_statement_chains(store, user)


def test_the_same_key_sent_concurrently_moves_money_once(environments, store):
    user, key = unique("dup"), unique("k")
    events = [transaction_event(key, user, "7.00", "debit") for _ in range(30)]

    with ThreadPoolExecutor(max_workers=30) as clients:  # no client retries: see every raw answer
        results = list(clients.map(lambda event: invoke_in(environments, transact, event), events))

    assert {result.status for result in results} <= {201, 409}
    applied = [result for result in results if result.status == 201]
    in_flight = [result for result in results if result.status == 409]
    assert applied, "at least the first request applies"
    assert len({result.body["transactionId"] for result in applied}) == 1
    assert all(result.body["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE" for result in in_flight)
    assert all(result.headers["retry-after"] for result in in_flight)
    assert store.balance(user) == 93
    assert len(store.ledger(user)) == 1


def test_2000_concurrent_debits_over_20_users_with_duplicate_keys(environments, store):
    rng = random.Random(2000)
    users = [unique("scale") for _ in range(20)]
    originals = [(unique("d"), rng.choice(users), f"{rng.randint(1, 1500) / 100:.2f}") for _ in range(1800)]
    duplicates = [rng.choice(originals) for _ in range(200)]  # 10% resend a key already in the mix
    requests = originals + duplicates
    rng.shuffle(requests)

    results = run_all(environments, [transaction_event(key, user, amount, "debit") for key, user, amount in requests])

    assert {result.status for result in results} <= {201, 409}, "no 5xx, no other error"
    answers: dict[str, set[str]] = {}
    for (key, _, _), result in zip(requests, results, strict=True):
        answers.setdefault(key, set()).add(result.body.get("transactionId") or result.body["error"]["code"])
    assert all(len(outcomes) == 1 for outcomes in answers.values()), "a key got two different answers"
    applied = {key for (key, _, _), result in zip(requests, results, strict=True) if result.status == 201}
    for user in users:
        ledger = store.ledger(user)
        assert len({item["idempotentKey"]["S"] for item in ledger}) == len(ledger), "a key applied twice"
        expected = Decimal("100.00") - sum(
            Decimal(amount) for key, owner, amount in originals if owner == user and key in applied
        )
        assert expected >= 0, "overdraft"
        assert store.balance(user) in (None, expected)
        assert 100 + store.ledger_net(user) == expected
        assert_statement_chains(store, user)


def test_python_api_from_200_threads_never_overdraws(store):
    user = unique("threads")

    def debit(_):
        key = unique("t")
        while True:
            try:
                return wallet.transact(key, user, "1.00", "debit").entry.balance_after
            except InsufficientFunds:
                return None
            except ServiceUnavailable:
                time.sleep(0.05)  # retry with the same key, as the contract says

    with ThreadPoolExecutor(max_workers=200) as threads:
        outcomes = list(threads.map(debit, range(200)))

    applied = [after for after in outcomes if after is not None]
    assert len(applied) == 100
    assert sorted(applied) == [Decimal(n) for n in range(100)]
    assert store.balance(user) == 0
    assert_statement_chains(store, user)
