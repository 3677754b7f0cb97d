"""Per-account rate limits: the algorithm, its settings, and the service's rules with an in-memory repository."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from api.errors import error_response
from tests.unit.fakes import InMemoryRepository
from wallet.errors import InsufficientFunds, RateLimited
from wallet.rate_limit import RateLimit, RateLimitSettingError, parse_rate_limit
from wallet.service import WalletService
from wallet.settings import ConfigurationError, Settings, get_settings

SECOND_US = 1_000_000


def admitted_within(limit: RateLimit, attempts_us: list[int]) -> int:
    tat, admitted = 0, 0
    for now in attempts_us:
        try:
            tat = limit.admit(tat, now)
            admitted += 1
        except RateLimited:
            pass
    return admitted


def test_from_rest_a_burst_passes_at_once_and_the_next_waits_one_interval():
    limit = RateLimit(per_second=10, burst=3)
    tat = 0
    for _ in range(3):
        tat = limit.admit(tat, SECOND_US)
    with pytest.raises(RateLimited) as refused:
        limit.admit(tat, SECOND_US)
    assert refused.value.retry_after_seconds == 1
    limit.admit(tat, SECOND_US + 100_000)  # one interval (100 ms) later there is room for one more


@pytest.mark.parametrize(("per_second", "burst"), [(10, 1), (10, 5), (2.5, 4), (100, 100)])
def test_any_second_admits_at_most_burst_plus_rate(per_second, burst):
    limit = RateLimit(per_second, burst)
    every_ms = [SECOND_US + i * 1_000 for i in range(1_000)]  # one attempt each millisecond for a second
    admitted = admitted_within(limit, every_ms)
    assert burst + int(per_second) - 1 <= admitted <= burst + per_second


def test_retry_after_grows_with_the_debt():
    limit = RateLimit(per_second=0.1, burst=1)  # one movement each 10 s
    tat = limit.admit(0, SECOND_US)
    with pytest.raises(RateLimited) as refused:
        limit.admit(tat, SECOND_US)
    assert refused.value.retry_after_seconds == 10


def test_settings_unset_mean_no_limit_and_a_burst_defaults_to_one_second_of_rate():
    assert parse_rate_limit(None, None, "R", "B") is None
    assert parse_rate_limit("", "  ", "R", "B") is None
    assert parse_rate_limit("10", None, "R", "B") == RateLimit(10, 10)
    assert parse_rate_limit("0.5", None, "R", "B") == RateLimit(0.5, 1)
    assert parse_rate_limit("2.5", "7", "R", "B") == RateLimit(2.5, 7)


@pytest.mark.parametrize(
    ("rate", "burst", "named"),
    [
        ("0", None, "RATE"),
        ("-1", None, "RATE"),
        ("1e3", None, "RATE"),
        ("ten", None, "RATE"),
        ("NaN", None, "RATE"),
        ("100001", None, "RATE"),
        ("10", "0", "BURST"),
        ("10", "2.5", "BURST"),
        ("10", "many", "BURST"),
        (None, "5", "BURST"),
    ],
)
def test_a_malformed_setting_is_refused_naming_it(rate, burst, named):
    with pytest.raises(RateLimitSettingError, match=named):
        parse_rate_limit(rate, burst, "RATE", "BURST")


def test_the_functions_fail_closed_on_a_bad_limit_in_their_environment(monkeypatch):
    get_settings.cache_clear()
    monkeypatch.setenv("WALLET_USER_RATE_LIMIT", "fast")
    try:
        with pytest.raises(ConfigurationError, match="WALLET_USER_RATE_LIMIT"):
            get_settings()
        monkeypatch.setenv("WALLET_USER_RATE_LIMIT", "5")
        monkeypatch.setenv("WALLET_USER_RATE_BURST", "9")
        assert get_settings.__wrapped__().user_rate_limit == RateLimit(5, 9)
    finally:
        get_settings.cache_clear()


def test_rate_limited_is_a_429_with_retry_after():
    response = error_response(RateLimited("slow down", retry_after_seconds=7))
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.body["error"]["code"] == "RATE_LIMITED"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def repository():
    return InMemoryRepository()


@pytest.fixture
def service(repository, clock):
    settings = Settings(wallet_table="Wallet", idempotency_table="Idem", user_rate_limit=RateLimit(1, 2))
    return WalletService(repository, settings, clock=clock)


def test_over_the_limit_nothing_is_written_and_the_key_stays_unused(service, repository, clock):
    service.transact("k1", "u", "1.00", "credit")
    service.transact("k2", "u", "1.00", "credit")
    before = (dict(repository.accounts), dict(repository.keys), dict(repository.system_entries))

    with pytest.raises(RateLimited):
        service.transact("k3", "u", "1.00", "credit")

    assert (repository.accounts, repository.keys, repository.system_entries) == before
    clock.advance(1)
    assert service.transact("k3", "u", "1.00", "credit").entry.balance_after == Decimal("103.00")


def test_other_users_are_never_limited_by_one_busy_user(service):
    service.transact("a1", "busy", "1.00", "credit")
    service.transact("a2", "busy", "1.00", "credit")
    with pytest.raises(RateLimited):
        service.transact("a3", "busy", "1.00", "credit")
    assert service.transact("b1", "calm", "1.00", "debit").entry.balance_after == Decimal("99.00")


def test_a_replay_is_answered_while_limited_and_counts_nothing(service, repository):
    first = service.transact("k1", "u", "1.00", "credit")
    service.transact("k2", "u", "1.00", "credit")
    state = repository.accounts[("u", "USD")]

    replay = service.transact("k1", "u", "1.00", "credit")

    assert replay.replayed and replay.entry == first.entry
    assert repository.accounts[("u", "USD")] == state


def test_a_transfer_counts_against_its_payer_only(service):
    service.transact("p1", "payer", "1.00", "credit")
    service.transfer("t1", "payer", "payee", "1.00")
    with pytest.raises(RateLimited):
        service.transfer("t2", "payer", "payee", "1.00")
    for n in range(3):  # the payee receives without limit, and may still spend its own budget
        service.transfer(f"in{n}", f"other{n}", "payee", "1.00")
    service.transfer("back", "payee", "payer", "1.00")


def test_holds_voids_and_captures_count_against_the_hold_user(service, clock):
    hold = service.place_hold("h1", "u", "5.00").hold
    service.void_hold("v1", hold.hold_id)
    with pytest.raises(RateLimited):
        service.place_hold("h2", "u", "5.00")
    clock.advance(2)
    second = service.place_hold("h2", "u", "5.00").hold
    service.capture_hold("c2", second.hold_id, "1.00")
    with pytest.raises(RateLimited):
        service.transact("d1", "u", "1.00", "debit")


def test_a_reversal_counts_against_the_account_it_moves(service, clock):
    debit = service.transact("d1", "u", "10.00", "debit")
    service.transact("d2", "u", "10.00", "debit")
    with pytest.raises(RateLimited):
        service.reverse("r1", debit.entry.transaction_id)
    clock.advance(1)
    assert service.reverse("r1", debit.entry.transaction_id).entries[0].balance_after == Decimal("90.00")


def test_a_limited_debit_is_refused_before_it_could_be_declined(service, repository):
    service.transact("d1", "u", "60.00", "debit")
    service.transact("d2", "u", "30.00", "debit")
    with pytest.raises(RateLimited):
        service.transact("d3", "u", "60.00", "debit")
    assert "d3" not in repository.keys  # not even its decline was recorded: the key is still free


def test_declines_are_not_counted(service, clock):
    with pytest.raises(InsufficientFunds):
        service.transact("big1", "u", "500.00", "debit")
    with pytest.raises(InsufficientFunds):
        service.transact("big2", "u", "500.00", "debit")
    service.transact("k1", "u", "1.00", "debit")
    service.transact("k2", "u", "1.00", "debit")


def test_the_nightly_expiry_is_never_limited(service, repository, clock):
    hold = service.place_hold("h1", "u", "5.00", expires_in_seconds=60).hold
    service.transact("k1", "u", "1.00", "credit")
    clock.advance(61)
    account = repository.accounts[("u", "USD")]
    repository.accounts[("u", "USD")] = replace(account, rate_tat_us=10**18)  # as limited as can be
    assert service.expire_overdue_holds() == 1
    assert repository.holds[hold.hold_id].stored_status.value == "expired"


def test_concurrent_writers_cannot_overrun_the_limit_together(service, repository):
    """A movement whose balance went stale is planned again from the fresh state, rate state included."""
    service.transact("k1", "u", "1.00", "credit")

    def rival_commits():  # between this movement's read and its commit, another takes the last slot
        service.transact("rival", "u", "1.00", "credit")

    repository.before_commit = rival_commits
    with pytest.raises(RateLimited):
        service.transact("k2", "u", "1.00", "credit")
    assert set(repository.keys) == {"k1", "rival"}
