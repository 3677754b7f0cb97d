"""Wallet rules with an in-memory repository: fast, offline, with scripted races and faults."""

from decimal import Decimal

import pytest

from tests.unit.fakes import InMemoryRepository
from wallet.errors import IdempotencyKeyReused, InsufficientFunds, InvalidRequest, ServiceUnavailable
from wallet.models import Account
from wallet.service import RetryPolicy, WalletService
from wallet.settings import Settings

SETTINGS = Settings(wallet_table="Wallet", idempotency_table="Idem")


@pytest.fixture
def repository():
    return InMemoryRepository()


class FakeClock:
    """Time that only moves when the service sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def service(repository, clock):
    retry = RetryPolicy(max_seconds=1.0, base_delay_seconds=0.1, max_delay_seconds=0.25)
    return WalletService(repository, SETTINGS, retry=retry, sleep=clock.sleep, monotonic=clock.monotonic)


def test_unknown_user_has_100_and_reading_writes_nothing(service, repository):
    assert service.get_current_balance("new").balance == Decimal("100.00")
    assert repository.accounts == {} and repository.keys == {}


def test_credit_and_debit_record_exact_balance_after(service):
    first = service.transact("k1", "u", "50.00", "credit")
    second = service.transact("k2", "u", Decimal("30.25"), "debit")

    assert first.entry.balance_after == Decimal("150.00") and first.entry.sequence == 1
    assert second.entry.balance_after == Decimal("119.75") and second.entry.sequence == 2
    assert service.get_current_balance("u").balance == Decimal("119.75")


def test_same_key_same_payload_replays_the_original_entry(service):
    first = service.transact("k", "u", "5", "debit")
    service.transact("other", "u", "50", "credit")

    replay = service.transact("k", "u", "5.00", "debit")

    assert replay.replayed and not first.replayed
    assert replay.entry == first.entry


@pytest.mark.parametrize(("user", "amount", "kind"), [("v", "5", "debit"), ("u", "6", "debit"), ("u", "5", "credit")])
def test_same_key_other_payload_is_refused(service, user, amount, kind):
    service.transact("k", "u", "5", "debit")

    with pytest.raises(IdempotencyKeyReused):
        service.transact("k", user, amount, kind)


def test_declined_debit_is_final_for_its_key(service, repository):
    with pytest.raises(InsufficientFunds) as first:
        service.transact("k", "u", "100.01", "debit")
    service.transact("top-up", "u", "500", "credit")

    with pytest.raises(InsufficientFunds) as replay:
        service.transact("k", "u", "100.01", "debit")

    assert not first.value.replayed and replay.value.replayed
    assert first.value.message == replay.value.message
    assert service.get_current_balance("u").balance == Decimal("600.00")


def test_stale_balance_is_reread_and_the_debit_rechecked(service, repository):
    # Another writer spends 90 between our read and our write: the retry must see 10 and decline 50.
    def concurrent_spend():
        repository.accounts[("u", "USD")] = Account("u", "USD", balance_minor=1000, version=1)

    repository.before_apply = concurrent_spend

    with pytest.raises(InsufficientFunds):
        service.transact("k", "u", "50.00", "debit")
    assert repository.accounts[("u", "USD")].balance_minor == 1000


def test_write_contention_is_retried_then_given_up_as_service_unavailable(service, repository, clock):
    repository.contention_left = 4
    assert service.transact("k1", "u", "1", "credit").entry.balance_after == Decimal("101.00")
    assert len(clock.sleeps) == 4

    repository.contention_left = 10_000
    started = clock.now
    with pytest.raises(ServiceUnavailable):
        service.transact("k2", "u", "1", "credit")
    assert "k2" not in repository.keys
    assert 0.75 <= clock.now - started <= 1.0  # gave up when the next wait would pass the 1 s budget


def test_retry_delays_are_jittered_and_capped():
    policy = RetryPolicy(base_delay_seconds=0.01, max_delay_seconds=0.05)
    delays = [policy.delay(attempt) for attempt in range(1, 30) for _ in range(5)]
    assert all(0 <= delay <= 0.05 for delay in delays)
    assert len(set(delays)) > 100


@pytest.mark.parametrize(
    ("key", "user", "amount", "kind"),
    [
        ("", "u", "1", "credit"),
        ("k" * 256, "u", "1", "credit"),
        ("k\n", "u", "1", "credit"),
        ("k", "", "1", "credit"),
        ("k", "a b", "1", "credit"),
        ("k", "u", "1.001", "credit"),
        ("k", "u", 1.5, "credit"),
        ("k", "u", "1", "withdraw"),
        (None, "u", "1", "credit"),
    ],
)
def test_invalid_input_is_refused_before_any_write(service, repository, key, user, amount, kind):
    with pytest.raises(InvalidRequest):
        service.transact(key, user, amount, kind)
    assert repository.apply_calls == 0 and repository.keys == {}


def test_history_pages_with_cursor_and_rejects_foreign_cursors(service):
    for number in range(5):
        service.transact(f"k{number}", "u", "1", "credit")
    service.transact("v0", "v", "1", "credit")

    first = service.list_transactions("u", limit=3)
    second = service.list_transactions("u", limit=3, cursor=first.next_cursor)

    assert [entry.sequence for entry in first.entries] == [5, 4, 3]
    assert [entry.sequence for entry in second.entries] == [2, 1]
    assert second.next_cursor is None
    with pytest.raises(InvalidRequest):
        service.list_transactions("v", limit=3, cursor=first.next_cursor)
    for bad_limit in (0, 101, True, "5"):
        with pytest.raises(InvalidRequest):
            service.list_transactions("u", limit=bad_limit)
