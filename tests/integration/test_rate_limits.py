"""Per-user rate limits on DynamoDB Local: global across Lambda environments, exact under concurrency,
never counting replays, never consuming the key of a refused movement."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from handlers import holds, transact, transfer
from local.runtime import LocalLambda
from tests.support import HttpResult, invoke_in, place_event, transaction_event, transfer_event, unique

RATE, BURST = 10, 5
ENVIRONMENTS = 8


@pytest.fixture(scope="module")
def limited_environments(dynamodb_local) -> Iterator[LocalLambda]:
    """Lambda environments (processes) configured with a limit of 10 movements a second, bursts of 5."""
    pool = LocalLambda(
        ENVIRONMENTS, environment={"WALLET_USER_RATE_LIMIT": str(RATE), "WALLET_USER_RATE_BURST": str(BURST)}
    )
    yield pool
    pool.close()


def send_all(pool: LocalLambda, module, events: list[dict]) -> tuple[list[HttpResult], float]:
    """Sends every event at once from as many clients; returns the answers and the seconds it took."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(events)) as clients:
        results = list(clients.map(lambda event: invoke_in(pool, module, event), events))
    return results, time.monotonic() - started


def test_50_movements_in_a_second_apply_at_most_rate_plus_burst_and_the_rest_are_429(limited_environments, store):
    busy, calm = unique("busy"), unique("calm")
    for warm in range(ENVIRONMENTS):  # every environment imported, so the burst is not spread over cold starts
        invoke_in(limited_environments, transact, transaction_event(unique("warm"), unique(f"w{warm}"), "1", "credit"))
    busy_events = [transaction_event(unique("b"), busy, "1.00", "credit" if n % 2 else "debit") for n in range(50)]
    calm_events = [transaction_event(unique("c"), calm, "1.00", "credit") for _ in range(BURST)]

    results, seconds = send_all(limited_environments, transact, busy_events + calm_events)
    busy_results, calm_results = results[:50], results[50:]

    applied = [result for result in busy_results if result.status == 201]
    limited = [result for result in busy_results if result.status == 429]
    assert len(applied) + len(limited) == 50, {result.status for result in busy_results}
    assert BURST <= len(applied) <= BURST + RATE * max(1.0, seconds), (len(applied), seconds)
    assert all(result.body["error"]["code"] == "RATE_LIMITED" for result in limited)
    assert all(int(result.headers["retry-after"]) >= 1 for result in limited)
    assert [result.status for result in calm_results] == [201] * BURST  # the other user is never limited
    # Nothing was written for a refused movement: one ledger entry per applied one, no key record otherwise.
    assert len(store.ledger(busy)) == len(applied)
    refused_keys = [event for event, result in zip(busy_events, busy_results, strict=True) if result.status == 429]
    assert all(store.key_record(_key(event)) is None for event in refused_keys)
    store.assert_books_balance()


@pytest.fixture(scope="module")
def slow_environments(dynamodb_local) -> Iterator[LocalLambda]:
    """Two environments with a limit of one movement each 4 s, bursts of 2: once spent, the budget stays
    spent for seconds, longer than the checks below take even on a loaded machine."""
    pool = LocalLambda(2, environment={"WALLET_USER_RATE_LIMIT": "0.25", "WALLET_USER_RATE_BURST": "2"})
    yield pool
    pool.close()


def test_a_refused_key_succeeds_later_and_replays_are_never_limited(slow_environments, store):
    user = unique("u")
    events = [transaction_event(unique("k"), user, "1.00", "credit") for _ in range(4)]
    results = [invoke_in(slow_environments, transact, event) for event in events]
    assert [result.status for result in results] == [201, 201, 429, 429]
    spent = [item for item in store.user_items(user) if item["SK"]["S"] == "BALANCE#USD"]

    # While the account is at its limit, a replay answers as before (from the Powertools cache, then from
    # the ledger once the cache is gone) and takes nothing from the account's budget.
    for _ in range(2):
        replay = invoke_in(slow_environments, transact, events[0])
        assert (replay.status, replay.raw_body, replay.headers["idempotent-replayed"]) == (
            201,
            results[0].raw_body,
            "true",
        )
        store.delete_powertools_records()
    assert [item for item in store.user_items(user) if item["SK"]["S"] == "BALANCE#USD"] == spent
    refused_again = invoke_in(slow_environments, transact, events[2])
    assert refused_again.status == 429 and store.key_record(_key(events[2])) is None

    time.sleep(int(refused_again.headers["retry-after"]) + 0.1)  # the budget refills as the header says
    later = invoke_in(slow_environments, transact, events[2])
    assert later.status == 201 and later.body["idempotentKey"] == _key(events[2])
    assert later.headers.get("idempotent-replayed") is None
    assert store.balance(user) == Decimal("103.00")
    store.assert_books_balance()


def test_transfers_and_holds_count_against_the_paying_user(slow_environments, store):
    payer, payee = unique("payer"), unique("payee")
    for _ in range(2):
        assert invoke_in(slow_environments, transfer, transfer_event(unique("t"), payer, payee, "1.00")).status == 201

    over = invoke_in(slow_environments, holds, place_event(payer, "1.00"))
    assert over.status == 429 and over.body["error"]["code"] == "RATE_LIMITED"
    received = invoke_in(slow_environments, transfer, transfer_event(unique("t"), unique("x"), payer, "1.00"))
    assert received.status == 201  # paying the limited user is its payer's movement, not the user's
    assert invoke_in(slow_environments, holds, place_event(payee, "1.00")).status == 201
    store.assert_books_balance()


def _key(event: dict) -> str:
    import json

    return json.loads(event["body"])["idempotentKey"]
