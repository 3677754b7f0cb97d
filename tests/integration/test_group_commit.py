"""Group commit on a hot account, on DynamoDB Local: each queued movement gets its own outcome in arrival
order; the writer's lease and fence survive writers that die or stall; the queue loses nothing. Under
real DynamoDB's conflict rules (the contention simulator) many concurrent clients of one account all get
a final answer, and the books, every balanceAfter chain and every key's single outcome hold afterwards."""

import json
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from handlers import transact, transfer
from tests.faults import cancelled_by_conflict, inject, throttled
from tests.integration.test_ledger_concurrency import assert_accounts_chain
from tests.support import (
    invoke,
    invoke_in,
    send_until_final,
    transaction_event,
    transfer_event,
    unique,
)
from wallet.aws import dynamodb_client
from wallet.errors import InsufficientFunds, RateLimited
from wallet.models import canonical_json
from wallet.rate_limit import RateLimit
from wallet.repository import WalletRepository
from wallet.repository.hot import GroupCancelled, Lease, queue_pk
from wallet.service import WalletService
from wallet.service.group_commit import HOT_WINDOW_MS, LEASE_MS
from wallet.settings import get_settings


class Died(Exception):
    """The Lambda running the writer stopped here (timeout, crash): nothing after this point ran."""


class Clock:
    """The service's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def new_service(clock=None, settings=None) -> WalletService:
    settings = settings or get_settings()
    repository = WalletRepository(dynamodb_client(), settings.wallet_table)
    return WalletService(repository, settings, clock=clock or (lambda: datetime.now(UTC)))


def make_hot(store, user: str, currency: str = "USD") -> None:
    """As a group commit leaves an account: movements that read it join its queue."""
    until = int((datetime.now(UTC) + timedelta(days=1)).timestamp() * 1000)
    store.client.update_item(
        TableName="Wallet",
        Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": f"BALANCE#{currency}"}},
        UpdateExpression="SET hotUntilMs = :until",
        ExpressionAttributeValues={":until": {"N": str(until)}},
    )


def queue(service: WalletService, command, account=None) -> str:
    """Another caller's movement, already waiting in the account's queue."""
    account = account or (command.user_id, command.currency)
    request = canonical_json(service.payload(command))
    return service.repository.enqueue(account, command.idempotent_key, request, service._now_ms())


def opened(service: WalletService, user: str) -> None:
    service.transact(unique("open"), user, "0.01", "credit")  # the account exists, at 100.01


def send_once_each(environments, handler, events, clients):
    """Every event sent once by one of `clients` concurrent clients; a key another request holds in flight
    (409 IDEMPOTENCY_KEY_IN_USE: a resent key) is then sent again until it has its final answer. Returns
    the first answers and the final ones."""
    with ThreadPoolExecutor(max_workers=clients) as pool:
        first = list(pool.map(lambda event: invoke_in(environments, handler, event), events))
    final = [
        send_until_final(environments, handler, event)
        if result.status == 409 and result.body["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
        else result
        for event, result in zip(events, first, strict=True)
    ]
    return first, final


def balance_item(store, user: str) -> dict:
    return next(item for item in store.user_items(user) if item["SK"]["S"] == "BALANCE#USD")


def test_queued_movements_commit_in_one_transaction_each_with_its_own_outcome(store):
    service, user = new_service(), unique("hot")
    opened(service, user)
    make_hot(store, user)
    version_before = int(balance_item(store, user)["version"]["N"])
    keys = [unique("q") for _ in range(4)]
    queue(service, service.transaction_command(keys[0], user, "60.00", "debit"))
    queue(service, service.transaction_command(keys[1], user, "60.00", "debit"))  # 40.01 left: declined
    queue(service, service.transaction_command(keys[2], user, "10.00", "credit"))

    result = service.transact(keys[3], user, "1.00", "credit")  # this caller takes the lease and commits all

    assert result.entry.balance_after == Decimal("51.01") and not result.replayed
    outcomes = [store.key_record(key)["outcome"]["S"] for key in keys]
    assert outcomes == ["APPLIED", "DECLINED", "APPLIED", "APPLIED"]
    chain = [Decimal(item["balanceAfterMinor"]["N"]) / 100 for item in store.ledger(user)]
    assert chain == [Decimal("100.01"), Decimal("40.01"), Decimal("50.01"), Decimal("51.01")]
    item = balance_item(store, user)
    assert int(item["version"]["N"]) == version_before + 1, "one balance write for the whole group"
    assert int(item["entryCount"]["N"]) == 4 and item["balanceMinor"]["N"] == "5101"
    hot_until_ms = int(item["hotUntilMs"]["N"])  # four were waiting: hot for the next window, no longer
    assert service._now_ms() < hot_until_ms <= service._now_ms() + HOT_WINDOW_MS
    lease = next(item for item in store.items_for(queue_pk((user, "USD"))) if item["SK"]["S"] == "LEASE")
    assert int(lease["hotUntilMs"]["N"]) == hot_until_ms, "the waiting callers learn it from the lease"
    with pytest.raises(InsufficientFunds) as declined:  # the declined caller's answer, as a replay
        service.transact(keys[1], user, "60.00", "debit")
    assert declined.value.replayed
    assert_accounts_chain(store, [user])
    store.assert_books_balance()


def test_a_quiet_account_keeps_the_direct_path(store):
    service, user = new_service(), unique("quiet")
    service.transact(unique("k"), user, "5.00", "credit")
    service.transact(unique("k"), user, "1.00", "debit")
    assert store.items_for(queue_pk((user, "USD"))) == [], "no queue item and no lease"
    assert "hotUntilMs" not in balance_item(store, user)


def overtaken_by(commits: int, service: WalletService, user: str) -> list[str]:
    """The service's next read of the user's balance goes stale at once: `commits` other movements commit
    between it and the write. Returns the names of the repository calls the service makes after that."""
    other, read = new_service(), service._accounts
    calls: list[str] = []

    def stale_read(keys):
        accounts = read(keys)
        if not calls:
            for _ in range(commits):
                other.transact(unique("other"), user, "1.00", "credit")
            for name in ("commit", "enqueue", "commit_group"):
                method = getattr(service._repository, name)
                setattr(service._repository, name, lambda *a, _m=method, _n=name, **k: calls.append(_n) or _m(*a, **k))
            calls.append("read")
        return accounts

    service._accounts = stale_read  # type: ignore[method-assign]
    return calls


def test_a_movement_overtaken_by_a_crowd_queues_at_once(store):
    service, user = new_service(), unique("crowd")
    opened(service, user)
    calls = overtaken_by(2, service, user)  # two commits landed between its read and its write

    result = service.transact(unique("k"), user, "1.00", "credit")

    assert calls[:3] == ["read", "commit", "enqueue"], "one lost race, then the queue: no second race"
    assert "commit_group" in calls and calls.count("commit") == 1
    assert result.entry.balance_after == Decimal("103.01")
    assert_accounts_chain(store, [user])
    store.assert_books_balance()


def test_a_group_of_one_does_not_make_the_account_hot(store):
    """A seller that conflicted once is not a hot account: its queue held only the one movement."""
    service, user = new_service(), unique("once")
    opened(service, user)
    overtaken_by(2, service, user)
    service.transact(unique("k"), user, "1.00", "credit")  # queued, committed alone
    assert int(balance_item(store, user)["hotUntilMs"]["N"]) == 0

    for next_service in (service, new_service()):  # the environment that queued it, and any other
        calls = overtaken_by(0, next_service, user)
        next_service.transact(unique("k"), user, "1.00", "credit")
        assert calls == ["read", "commit"], "the direct path again"
    assert_accounts_chain(store, [user])
    store.assert_books_balance()


def test_a_movement_that_lost_to_one_other_retries_directly(store):
    service, user = new_service(), unique("pair")
    opened(service, user)
    calls = overtaken_by(1, service, user)  # a race between two callers

    result = service.transact(unique("k"), user, "1.00", "credit")

    assert calls == ["read", "commit", "commit"], "retried at once with the state that came back"
    assert result.entry.balance_after == Decimal("102.01")
    assert store.items_for(queue_pk((user, "USD"))) == []
    assert_accounts_chain(store, [user])


def test_a_look_torn_by_a_commit_between_its_two_reads_queues_nothing_again(store):
    service, user = new_service(), unique("torn")
    opened(service, user)
    make_hot(store, user)
    look, torn = service._repository.look, []

    def tearing_look(account, key):
        record, view = look(account, key)
        if record is not None and not torn:  # the record read just before the commit, the lease just after
            torn.append(view.cursor)
            return None, view
        return record, view

    service._repository.look = tearing_look  # type: ignore[method-assign]
    result = service.transact(unique("k"), user, "1.00", "credit")

    assert torn, "the torn look happened"
    assert not result.replayed and result.entry.balance_after == Decimal("101.01")
    queued = [item for item in store.items_for(queue_pk((user, "USD"))) if item["SK"]["S"].startswith("Q#")]
    assert len(queued) == 1, "queued once: a passed cursor without the record was looked at again"


def test_one_key_twice_in_one_group_applies_once(store):
    service, user = new_service(), unique("twice")
    opened(service, user)
    make_hot(store, user)
    key = unique("dup")
    command = service.transaction_command(key, user, "2.00", "debit")
    queue(service, command)
    queue(service, command)  # the same request queued again (a caller that re-queued after a lost answer)

    service.transact(unique("own"), user, "1.00", "credit")

    assert [item["idempotentKey"]["S"] for item in store.ledger(user)].count(key) == 1
    replay = service.transact(key, user, "2.00", "debit")
    assert replay.replayed and replay.entry.balance_after == Decimal("98.01")
    store.assert_books_balance()


def test_a_writer_that_dies_after_taking_the_lease_is_replaced_when_it_expires(store):
    service, user = new_service(), unique("deadlease")
    opened(service, user)
    make_hot(store, user)
    account = (user, "USD")
    dead = service.repository.acquire_lease(account, "dead-writer", service._now_ms(), LEASE_MS)
    assert isinstance(dead, Lease)
    waiting = unique("w")
    queue(service, service.transaction_command(waiting, user, "3.00", "credit"))

    result = service.transact(unique("own"), user, "1.00", "credit")  # waits out the dead lease, then writes

    assert result.entry.balance_after == Decimal("104.01")
    assert store.key_record(waiting)["outcome"]["S"] == "APPLIED"
    lease = next(item for item in store.items_for(queue_pk(account)) if item["SK"]["S"] == "LEASE")
    assert int(lease["fence"]["N"]) == dead.fence + 1
    store.assert_books_balance()


def test_a_writer_that_dies_mid_group_commits_nothing_and_the_next_writer_commits_all(store):
    service, user = new_service(), unique("midgroup")
    opened(service, user)
    make_hot(store, user)
    waiting = [unique("w") for _ in range(3)]
    for key in waiting:
        queue(service, service.transaction_command(key, user, "1.00", "debit"))
    dying = new_service()

    def die(*_args, **_kwargs):
        raise Died()

    dying.repository.commit_group = die  # type: ignore[method-assign]
    with pytest.raises(Died):
        dying.transact(unique("lost"), user, "5.00", "credit")
    assert len(store.ledger(user)) == 1, "nothing of the group committed"

    result = service.transact(unique("next"), user, "1.00", "credit")

    # The dead writer's own movement was queued durably before it died: the next writer commits it too.
    assert len(store.ledger(user)) == 1 + 3 + 1 + 1
    assert result.entry.balance_after == Decimal("100.01") - 3 + 5 + 1
    assert all(store.key_record(key)["outcome"]["S"] == "APPLIED" for key in waiting)
    assert_accounts_chain(store, [user])
    store.assert_books_balance()


def test_a_writer_that_dies_after_its_commit_loses_no_answer(store):
    service, user = new_service(), unique("aftercommit")
    opened(service, user)
    make_hot(store, user)
    waiting = unique("w")
    queue(service, service.transaction_command(waiting, user, "2.00", "credit"))
    dying, own = new_service(), unique("own")

    def die(*_args, **_kwargs):
        raise Died()

    dying.repository.release_lease = die  # type: ignore[method-assign]
    with pytest.raises(Died):
        dying.transact(own, user, "1.00", "credit")

    assert store.key_record(waiting)["outcome"]["S"] == "APPLIED"
    retried = service.transact(own, user, "1.00", "credit")  # the client retries the request it lost
    assert retried.replayed and retried.entry.balance_after == Decimal("103.01")
    assert len(store.ledger(user)) == 3
    store.assert_books_balance()


def test_a_writer_whose_lease_expired_is_fenced_out(store):
    clock = Clock()
    slow, user = new_service(clock), unique("slow")
    opened(slow, user)
    make_hot(store, user)
    account = (user, "USD")
    stale = slow.repository.acquire_lease(account, "slow-writer", slow._now_ms(), LEASE_MS)
    assert isinstance(stale, Lease)
    clock.advance(LEASE_MS / 1000 + 1)  # the slow writer stalls past its lease

    successor = new_service(clock)
    successor.transact(unique("k"), user, "1.00", "credit")  # takes the expired lease and commits

    with pytest.raises(GroupCancelled) as cancelled:
        slow.repository.commit_group(replace(stale, cursor="Q#~"), [], [], [], [])
    assert cancelled.value.fenced
    lease = next(item for item in store.items_for(queue_pk(account)) if item["SK"]["S"] == "LEASE")
    assert lease["cursor"]["S"] != "Q#~", "the fenced commit changed nothing"
    store.assert_books_balance()


def test_conflicts_and_throttles_on_the_group_path_are_retried_to_one_outcome_each(client, store):
    service, user = new_service(), unique("faults")
    opened(service, user)
    make_hot(store, user)
    waiting = [unique("w") for _ in range(3)]
    for key in waiting:
        queue(service, service.transaction_command(key, user, "1.00", "credit"))

    with (
        inject(client, "TransactWriteItems", cancelled_by_conflict, times=3) as conflicts,
        inject(client, "Query", throttled, times=2) as throttled_queue,
        inject(client, "BatchGetItem", throttled, times=2) as throttled_looks,
    ):
        result = service.transact(unique("own"), user, "1.00", "credit")

    assert conflicts.injected == 3 and throttled_queue.injected == 2 and throttled_looks.injected == 2
    assert result.entry.balance_after == Decimal("104.01")
    assert all(store.key_record(key)["outcome"]["S"] == "APPLIED" for key in waiting)
    assert len(store.ledger(user)) == 5
    assert_accounts_chain(store, [user])
    store.assert_books_balance()


def test_rate_limit_refusals_inside_a_group_write_nothing(store):
    limited = replace(get_settings(), user_rate_limit=RateLimit(per_second=0.01, burst=2))
    service, user = new_service(settings=limited), unique("ratelimited")
    opened(service, user)  # one of the burst of 2
    make_hot(store, user)
    first, refused = unique("r"), unique("r")
    queue(service, service.transaction_command(first, user, "1.00", "credit"))
    queue(service, service.transaction_command(refused, user, "1.00", "credit"))

    with pytest.raises(RateLimited) as limit:
        service.transact(unique("own"), user, "1.00", "credit")

    assert limit.value.retry_after_seconds >= 1
    assert store.key_record(first)["outcome"]["S"] == "APPLIED"
    assert store.key_record(refused) is None, "a refused key stays unused"
    assert len(store.ledger(user)) == 2
    store.assert_books_balance()


def test_one_hot_user_under_real_dynamodb_conflict_rules(simulated_environments, store):
    user = unique("hotsim")
    invoke(transact, transaction_event(unique("open"), user, "0.01", "credit"))
    rng = random.Random(14)
    events = [
        transaction_event(unique("m"), user, f"{rng.randint(1, 500) / 100:.2f}", rng.choice(["credit", "debit"]))
        for _ in range(240)
    ]
    events += [rng.choice(events) for _ in range(24)]  # resent keys

    first, results = send_once_each(simulated_environments, transact, events, clients=64)

    assert {result.status for result in first} <= {201, 409}, "no 503, no 5xx, not even once"
    assert {result.status for result in results} <= {201, 409}
    answers: dict[str, set[str]] = {}
    for event, result in zip(events, results, strict=True):
        answers.setdefault(event["body"], set()).add(result.raw_body if result.status == 201 else "declined")
    assert all(len(outcome) == 1 for outcome in answers.values()), "a key got two different answers"
    keys = [item["idempotentKey"]["S"] for item in store.ledger(user)]
    assert len(keys) == len(set(keys)), "a key applied twice"
    assert len(keys) == 1 + sum(1 for outcome in answers.values() if "declined" not in outcome)
    lease = next(item for item in store.items_for(queue_pk((user, "USD"))) if item["SK"]["S"] == "LEASE")
    assert int(lease["fence"]["N"]) >= 1, "the contended account went through group commit"
    assert_accounts_chain(store, [user], opening=Decimal("100.00"))
    store.assert_books_balance()


def test_transfers_to_and_from_a_hot_merchant_move_both_legs_or_neither(simulated_environments, store):
    merchant, payers = unique("merchant"), [unique("payer") for _ in range(12)]
    rng = random.Random(15)
    events = [transfer_event(unique("pay"), rng.choice(payers), merchant, "3.00") for _ in range(150)]
    events += [transfer_event(unique("refund"), merchant, rng.choice(payers), "2.00") for _ in range(40)]
    rng.shuffle(events)

    first, results = send_once_each(simulated_environments, transfer, events, clients=48)

    assert {result.status for result in first} <= {201, 409}, "no 503, no 5xx, not even once"
    legs: dict[str, int] = {}
    for user in [merchant, *payers]:
        for item in store.ledger(user):
            legs[item["idempotentKey"]["S"]] = legs.get(item["idempotentKey"]["S"], 0) + 1
    applied = [
        json.loads(event["body"])["idempotentKey"]
        for event, result in zip(events, results, strict=True)
        if result.status == 201
    ]
    assert all(legs.get(key) == 2 for key in applied), "both legs of every applied transfer"
    assert sum(legs.values()) == 2 * len(applied), "no leg without its transfer"
    assert_accounts_chain(store, [merchant, *payers])
    store.assert_books_balance()
