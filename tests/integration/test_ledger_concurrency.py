"""The ledger under concurrency: transfers, rings, A<->B, credits and debits at once, on DynamoDB Local and
through the contention simulator (real DynamoDB's conflict and throttling rules). Afterwards no balance
is negative, no key applied twice, every user's balance is its opening plus its movements, and the
reconciliation finds the books balanced."""

import json
import random
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import boto3
from botocore.exceptions import ClientError

import wallet
from handlers import transact, transfer
from infra.tables import WALLET_TABLE, ensure_tables
from tests.support import invoke_in, run_concurrently, transaction_event, transfer_event, unique
from wallet.aws import _CLIENT_CONFIG
from wallet.errors import InsufficientFunds, ServiceUnavailable

CLIENTS = 48


def assert_accounts_chain(store, users, currency="USD", opening=Decimal("100.00")):
    """Every written account: balanceAfter is the running total from the opening balance, never negative."""
    for user in users:
        running = opening
        for item in store.ledger(user, currency):
            amount = Decimal(item["amountMinor"]["N"]).scaleb(-int(item["scale"]["N"]))
            running += amount if item["type"]["S"] in ("credit", "transfer_in") else -amount
            assert Decimal(item["balanceAfterMinor"]["N"]).scaleb(-int(item["scale"]["N"])) == running
            assert running >= 0
        assert store.balance(user, currency) in (None, running)


def test_1000_random_transfers_with_credits_and_debits_among_10_users(environments, store):
    rng = random.Random(1000)
    users = [unique("ten") for _ in range(10)]
    requests = []
    for _ in range(1000):
        source, target = rng.sample(users, 2)
        requests.append((transfer, transfer_event(unique("t"), source, target, f"{rng.randint(1, 4000) / 100:.2f}")))
    for _ in range(150):
        kind = rng.choice(["credit", "debit"])
        requests.append(
            (transact, transaction_event(unique("m"), rng.choice(users), f"{rng.randint(1, 3000) / 100:.2f}", kind))
        )
    requests += [rng.choice(requests) for _ in range(115)]  # about 10% resend a key already in the mix
    rng.shuffle(requests)

    with ThreadPoolExecutor(max_workers=CLIENTS) as clients:
        results = list(
            clients.map(lambda request: run_concurrently(environments, request[0], [request[1]], 1)[0], requests)
        )

    assert {result.status for result in results} <= {201, 409}, "no 5xx, no other error"
    assert all(result.body["error"]["code"] == "INSUFFICIENT_FUNDS" for result in results if result.status == 409)
    answers: dict[str, set[str]] = {}
    for (_, event), result in zip(requests, results, strict=True):
        answer = result.raw_body if result.status == 201 else result.body["error"]["code"]
        answers.setdefault(event["body"], set()).add(answer)
    assert all(len(outcomes) == 1 for outcomes in answers.values()), "a key got two different answers"
    legs_per_key: dict[str, int] = {}
    for user in users:
        for item in store.ledger(user):
            legs_per_key[item["idempotentKey"]["S"]] = legs_per_key.get(item["idempotentKey"]["S"], 0) + 1
    for handler, event in requests:
        key = json.loads(event["body"])["idempotentKey"]
        assert legs_per_key.get(key, 0) in ((0, 2) if handler is transfer else (0, 1)), f"{key} applied wrongly"
    transfers = sum(1 for result in results if result.status == 201 and "transferId" in result.body)
    assert transfers > 300, "enough transfers applied to mean something"
    assert_accounts_chain(store, users)
    store.assert_books_balance()


def test_a_to_b_and_b_to_a_at_the_same_moment_never_deadlock(environments, store):
    a, b = unique("a"), unique("b")
    events = [transfer_event(unique("ab"), a, b, "1.00") for _ in range(60)]
    events += [transfer_event(unique("ba"), b, a, "1.00") for _ in range(60)]
    random.Random(2).shuffle(events)

    results = run_concurrently(environments, transfer, events, clients=CLIENTS)

    assert [result.status for result in results] == [201] * 120
    assert store.balance(a) == store.balance(b) == Decimal("100.00")
    assert_accounts_chain(store, [a, b])


def test_transfers_in_a_ring_through_the_python_api_conserve_money(store):
    users = [unique("ring") for _ in range(8)]
    moves = [(unique("r"), users[i], users[(i + 1) % len(users)]) for _ in range(25) for i in range(len(users))]

    def move(request):
        key, source, target = request
        while True:
            try:
                return wallet.transfer(key, source, target, "3.00", currency="EUR").replayed
            except InsufficientFunds:
                return None
            except ServiceUnavailable:
                continue  # retry with the same key

    for user in users:  # EUR opens at 0.00: fund each ring member first
        wallet.transact(unique("fund"), user, "10.00", "credit", currency="EUR")
    with ThreadPoolExecutor(max_workers=32) as threads:
        outcomes = list(threads.map(move, moves))

    applied = [outcome for outcome in outcomes if outcome is not None]
    assert applied and not any(applied), "applied once each, never a replay"
    total = sum(store.balance(user, "EUR") for user in users)
    assert total == Decimal("80.00"), "money moved around the ring, none created or lost"
    assert_accounts_chain(store, users, currency="EUR", opening=Decimal("0.00"))
    store.assert_books_balance()


# --- through the contention simulator ----------------------------------------------------------


def test_top_ups_of_distinct_new_users_never_conflict_on_a_system_account(simulated_environments, simulator, store):
    simulator.state.reset()
    users = [unique("new") for _ in range(240)]
    events = [transaction_event(unique("top"), user, "5.00", "credit") for user in users]

    results = run_concurrently(simulated_environments, transact, events, clients=24)

    assert [result.status for result in results] == [201] * len(users)
    stats = simulator.state.snapshot()
    assert stats["calls_TransactWriteItems"] >= len(users)
    assert stats.get("conflicts_on_SYSTEM", 0) == 0, stats
    assert stats.get("transaction_conflicts", 0) == 0, stats  # distinct users share no item at all
    assert all(store.balance(user) == Decimal("105.00") for user in users[:20])
    store.assert_books_balance()


def test_control_a_shared_treasury_item_conflicts_under_the_same_load(simulator, client):
    """The simulator is live: the naive design (every top-up also updates one treasury item) conflicts."""
    table = "NaiveDesign"  # a table of its own: these are not this ledger's items
    ensure_tables(client, {WALLET_TABLE: table})
    simulator.state.reset()
    through_simulator = boto3.client("dynamodb", endpoint_url=simulator.endpoint, config=_CLIENT_CONFIG)

    def naive_top_up(number):
        items = [
            {
                "Update": {
                    "TableName": table,
                    "Key": {"PK": {"S": f"NAIVE#{unique('u')}"}, "SK": {"S": "BALANCE#USD"}},
                    "UpdateExpression": "ADD balanceMinor :amount",
                    "ExpressionAttributeValues": {":amount": {"N": "500"}},
                }
            },
            {
                "Update": {
                    "TableName": table,
                    "Key": {"PK": {"S": "SYSTEM#naive-treasury"}, "SK": {"S": "BALANCE#USD"}},
                    "UpdateExpression": "ADD balanceMinor :amount",
                    "ExpressionAttributeValues": {":amount": {"N": "-500"}},
                }
            },
        ]
        try:
            through_simulator.transact_write_items(TransactItems=items)
            return "applied"
        except ClientError as error:
            return [reason["Code"] for reason in error.response.get("CancellationReasons", [])]

    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(naive_top_up, range(240)))

    conflicts = [outcome for outcome in outcomes if outcome != "applied"]
    assert conflicts and all(outcome == ["None", "TransactionConflict"] for outcome in conflicts)
    assert simulator.state.snapshot()["conflicts_on_SYSTEM"] == len(conflicts)
    client.delete_table(TableName=table)


def test_ring_and_both_ways_transfers_through_the_simulator_settle_without_5xx(
    simulated_environments, simulator, store
):
    simulator.state.reset()
    users = [unique("sim") for _ in range(10)]
    events = []
    for _ in range(6):
        for i, user in enumerate(users):
            neighbour = users[(i + 1) % len(users)]
            events += [
                transfer_event(unique("cw"), user, neighbour, "1.00"),
                transfer_event(unique("ccw"), neighbour, user, "1.00"),
            ]
    random.Random(3).shuffle(events)

    with ThreadPoolExecutor(max_workers=24) as clients:  # no client retries: every raw answer is seen
        results = list(clients.map(lambda event: invoke_in(simulated_environments, transfer, event), events))

    assert [result.status for result in results] == [201] * len(events), [r.body for r in results if r.status != 201]
    assert simulator.state.snapshot().get("conflicts_on_USER", 0) > 0, "contention happened and was absorbed"
    assert all(store.balance(user) == Decimal("100.00") for user in users)
    assert_accounts_chain(store, users)
    store.assert_books_balance()
