"""Wallet rules with an in-memory repository: fast, offline, with scripted races and faults."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.unit.fakes import InMemoryRepository
from wallet.errors import (
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    ReversalExceedsOriginal,
    ServiceUnavailable,
)
from wallet.models import Account, HoldStatus
from wallet.service import RetryPolicy, WalletService, parse_instant
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

    repository.before_commit = concurrent_spend

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
    assert repository.commit_calls == 0 and repository.keys == {}


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


# --- the ledger: assets, system accounts, transfers ---------------------------------------------


def books_total(service, repository, currency):
    """Users' written balances plus every system account: zero whenever the books balance."""
    users = sum(account.balance_minor for (_, code), account in repository.accounts.items() if code == currency)
    system = sum(
        leg.amount_minor
        for legs in repository.system_entries.values()
        for leg in legs.values()
        if leg.currency == currency
    )
    return users + system


def test_first_credit_records_the_opening_balance_as_issued_by_the_treasury(service, repository):
    service.transact("k1", "u", "10.00", "credit")

    legs = [leg for legs in repository.system_entries.values() for leg in legs.values()]
    assert sorted((leg.account, leg.leg, leg.amount_minor) for leg in legs) == [
        ("treasury", "movement", -1000),
        ("treasury", "opening:u", -10000),
    ]
    assert service.get_system_balance("treasury").balance == Decimal("-110.00")
    assert books_total(service, repository, "USD") == 0


def test_later_movements_issue_no_second_opening(service, repository):
    service.transact("k1", "u", "10.00", "credit")
    service.transact("k2", "u", "5.00", "debit")

    openings = [leg for legs in repository.system_entries.values() for leg in legs.values() if leg.leg != "movement"]
    assert len(openings) == 1
    assert service.get_system_balance("revenue").balance == Decimal("5.00")
    assert books_total(service, repository, "USD") == 0


def test_assets_keep_their_own_balances_scales_and_openings(service, repository):
    gold = service.transact("g", "u", "12", "credit", currency="GOLD")
    eur = service.transact("e", "u", "0.50", "credit", currency="EUR", counterparty="promotions")

    assert gold.entry.amount == Decimal("12") and gold.entry.balance_after == Decimal("12")
    assert eur.entry.balance_after == Decimal("0.50") and eur.entry.counterparty == "promotions"
    balances = {balance.currency: balance.balance for balance in service.get_balances("u")}
    assert balances == {"USD": Decimal("100.00"), "EUR": Decimal("0.50"), "GOLD": Decimal("12")}
    assert service.get_system_balance("promotions", "EUR").balance == Decimal("-0.50")
    for code in ("USD", "EUR", "GOLD"):
        assert books_total(service, repository, code) == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"currency": "JPY"}, "currency"),
        ({"currency": "GOLD", "amount": "12.0"}, "more decimal places than GOLD"),
        ({"counterparty": "nobody"}, "counterparty"),
        ({"description": "x" * 201}, "description"),
        ({"metadata": {"k": 1}}, "metadata"),
        ({"metadata": {f"k{n}": "v" for n in range(21)}}, "metadata"),
        ({"metadata": {"k": "v" * 2100}}, "metadata"),
    ],
)
def test_invalid_ledger_fields_are_refused_before_any_write(service, repository, options, message):
    amount = options.pop("amount", "1")
    with pytest.raises(InvalidRequest, match=message):
        service.transact("k", "u", amount, "credit", **options)
    assert repository.commit_calls == 0 and repository.keys == {}


def test_defaults_are_applied_before_a_key_is_compared(service):
    first = service.transact("k", "u", "1", "debit")
    same = service.transact("k", "u", "1.00", "debit", currency="USD", counterparty="revenue", metadata={})

    assert same.replayed and same.entry == first.entry
    for change in ({"currency": "EUR"}, {"counterparty": "promotions"}, {"description": "x"}, {"metadata": {"a": "b"}}):
        with pytest.raises(IdempotencyKeyReused):
            service.transact("k", "u", "1", "debit", **change)


def test_a_key_is_one_request_across_transactions_and_transfers(service):
    service.transact("k", "u", "1", "credit")
    with pytest.raises(IdempotencyKeyReused):
        service.transfer("k", "u", "v", "1")


def test_transfer_moves_both_legs_with_exact_balances(service, repository):
    result = service.transfer("t1", "a", "b", "30.00", description="rent", metadata={"month": "11"})

    assert (result.out_entry.balance_after, result.in_entry.balance_after) == (Decimal("70.00"), Decimal("130.00"))
    assert result.out_entry.type.value == "transfer_out" and result.in_entry.type.value == "transfer_in"
    assert result.out_entry.counterparty == "b" and result.in_entry.counterparty == "a"
    assert result.out_entry.transfer_id == result.in_entry.transfer_id == result.transfer_id
    assert result.in_entry.metadata == {"month": "11"} and result.in_entry.description == "rent"
    assert service.transfer("t1", "a", "b", "30", description="rent", metadata={"month": "11"}).replayed
    # Both users were written for the first time: the treasury issued both openings.
    assert service.get_system_balance("treasury").balance == Decimal("-200.00")
    assert books_total(service, repository, "USD") == 0


def test_transfer_over_the_balance_is_declined_and_final(service, repository):
    with pytest.raises(InsufficientFunds, match=r"transfer of 100\.01 USD"):
        service.transfer("t", "a", "b", "100.01")
    service.transact("top", "a", "5", "credit")
    with pytest.raises(InsufficientFunds) as replay:
        service.transfer("t", "a", "b", "100.01")
    assert replay.value.replayed
    assert ("b", "USD") not in repository.accounts


def test_transfer_to_oneself_is_refused(service):
    with pytest.raises(InvalidRequest, match="differ"):
        service.transfer("t", "a", "a", "1")


def test_transfer_retries_when_the_target_moved_meanwhile(service, repository):
    service.transact("k0", "b", "1", "credit")

    def concurrent_credit():
        repository.accounts[("b", "USD")] = Account("b", "USD", balance_minor=20000, version=2)

    repository.before_commit = concurrent_credit
    result = service.transfer("t", "a", "b", "10")

    assert result.in_entry.balance_after == Decimal("210.00") and result.in_entry.sequence == 3
    assert repository.commit_calls == 3  # the credit, the stale attempt, the retry


def test_unknown_system_account_is_not_found(service):
    with pytest.raises(NotFound):
        service.get_system_balance("bank")


def test_fold_moves_old_legs_into_checkpoints_without_changing_balances(repository, clock):
    moments = iter(datetime(2026, 11, 23, 10, 0, second, tzinfo=UTC) for second in range(60))
    now = {"value": datetime(2026, 11, 23, 10, 0, tzinfo=UTC)}

    def wall_clock():
        now["value"] = next(moments)
        return now["value"]

    service = WalletService(repository, SETTINGS, clock=wall_clock, sleep=clock.sleep, monotonic=clock.monotonic)
    for number in range(6):
        service.transact(f"k{number}", f"u{number}", "1", "credit")
    before = service.get_system_balance("treasury").balance

    folded = service.fold_system_accounts(min_age_seconds=0)

    assert folded >= 1 and repository.checkpoints
    assert service.get_system_balance("treasury").balance == before == Decimal("-606.00")
    assert service.fold_system_accounts(min_age_seconds=0) == 0  # nothing new to fold
    service.transact("k9", "u9", "1", "credit")
    assert service.get_system_balance("treasury").balance == Decimal("-707.00")


def test_fold_leaves_young_legs_alone(service, repository):
    service.transact("k", "u", "1", "credit")
    assert service.fold_system_accounts() == 0  # younger than the in-flight window
    assert repository.checkpoints == {}


@pytest.mark.parametrize(
    ("text", "round_up", "expected"),
    [
        ("2026-11-23T10:00:00Z", False, "2026-11-23T10:00:00.000Z"),
        ("2026-11-23T12:00:00+02:00", False, "2026-11-23T10:00:00.000Z"),
        ("2026-11-23T10:00:00.1234Z", False, "2026-11-23T10:00:00.123Z"),  # an `at`: an entry at .123 counts
        ("2026-11-23T10:00:00.1234Z", True, "2026-11-23T10:00:00.124Z"),  # a bound: .123 is before it
        ("2026-11-23T10:00:00.999500Z", True, "2026-11-23T10:00:01.000Z"),
        ("2026-11-23t10:00:00.123456789z", False, "2026-11-23T10:00:00.123Z"),  # RFC 3339: any case, any fraction
        ("2016-12-31T23:59:60Z", False, "2016-12-31T23:59:59.999Z"),  # a leap second
        ("0001-01-01T00:00:00+01:00", False, "0001-01-01T00:00:00.000Z"),  # before the first instant Python has
        ("9999-12-31T23:59:59.9999Z", True, "9999-12-31T23:59:59.999Z"),
        ("0000-01-01T00:00:00Z", False, "0001-01-01T00:00:00.000Z"),
        ("2026-11-23T10:00:00+0000", False, "2026-11-23T10:00:00.000Z"),  # ISO 8601 beyond RFC 3339 still reads
    ],
)
def test_instants_are_normalised_to_the_entries_millisecond_format(text, round_up, expected):
    assert parse_instant(text, "at", round_up) == expected


@pytest.mark.parametrize("text", ["2026-02-30T10:00:00Z", "2026-11-23T10:00:00", "2026-11-23T10:00:00+24:00", "x"])
def test_instants_that_are_not_instants_are_refused(text):
    with pytest.raises(InvalidRequest, match="must be an ISO 8601 instant"):
        parse_instant(text, "at", False)


def test_an_account_s_entries_never_go_back_in_time_even_if_the_clock_does(repository, clock):
    times = iter([datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC), datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)])
    service = WalletService(
        repository, SETTINGS, clock=lambda: next(times), sleep=clock.sleep, monotonic=clock.monotonic
    )

    first = service.transact("k1", "u", "1", "credit")
    second = service.transact("k2", "u", "1", "credit")  # this Lambda's clock is 4 s behind

    assert second.entry.created_at == first.entry.created_at == "2026-11-23T10:00:05.000Z"
    assert second.entry.sequence == 2


def test_reversals_of_one_movement_add_up_to_at_most_the_movement(service, repository):
    debit = service.transact("d", "u", "10.00", "debit")

    part = service.reverse("r1", debit.entry.transaction_id, "4")
    rest = service.reverse("r2", debit.entry.transaction_id)
    with pytest.raises(ReversalExceedsOriginal):
        service.reverse("r3", debit.entry.transaction_id, "0.01")

    assert (part.entries[0].type.value, part.entries[0].balance_after) == ("credit", Decimal("94.00"))
    assert rest.entries[0].amount == Decimal("6.00") and rest.entries[0].reversal_of == debit.entry.transaction_id
    assert repository.keys["d"].reversed_minor == 1000
    assert service.reverse("r1", debit.entry.transaction_id, "4.00").replayed  # same request, normalised


def test_a_reversal_that_lost_the_race_rereads_what_is_left(service, repository):
    debit = service.transact("d", "u", "10.00", "debit")

    def concurrent_reversal():
        repository.keys["d"] = replace(repository.keys["d"], reversed_minor=900)

    repository.before_commit = concurrent_reversal
    with pytest.raises(ReversalExceedsOriginal, match=r"Only 1\.00 USD"):
        service.reverse("r", debit.entry.transaction_id, "2")


def test_unknown_movements_and_reversals_of_reversals_are_refused(service):
    with pytest.raises(NotFound):
        service.reverse("r", "no-such-movement")
    credit = service.transact("c", "u", "1", "credit")
    undo = service.reverse("r", credit.entry.transaction_id)
    with pytest.raises(InvalidRequest, match="cannot itself be reversed"):
        service.reverse("r2", undo.transaction_id)


def test_the_sweep_marks_overdue_holds_expired_once_and_leaves_the_rest(repository):
    moment = [datetime(2026, 11, 30, 12, 0, tzinfo=UTC)]
    service = WalletService(repository, SETTINGS, clock=lambda: moment[0])
    overdue = service.place_hold("h1", "u", "10.00", expires_in_seconds=60).hold
    captured = service.place_hold("h2", "u", "5.00", expires_in_seconds=60).hold
    later = service.place_hold("h3", "u", "7.00", expires_in_seconds=3600).hold
    service.capture_hold("c2", captured.hold_id)
    moment[0] += timedelta(seconds=61)

    assert service.expire_overdue_holds() == 1
    assert service.expire_overdue_holds() == 0  # nothing left to mark

    assert repository.holds[overdue.hold_id].stored_status is HoldStatus.EXPIRED
    assert repository.holds[captured.hold_id].stored_status is HoldStatus.CAPTURED
    assert repository.holds[later.hold_id].stored_status is HoldStatus.PENDING
    account = repository.accounts[("u", "USD")]
    assert set(account.holds) == {later.hold_id}  # the account counts only what is still pending
    assert account.balance_minor == 9500  # expiry moves no money
    [record] = [record for key, record in repository.keys.items() if overdue.hold_id in key]
    assert record.idempotent_key.startswith("\x1f") and json.loads(record.request)["operation"] == "expire"


def test_a_sweep_key_cannot_be_sent_by_a_client(service):
    with pytest.raises(InvalidRequest):
        service.void_hold("\x1fexpire/some-hold", "some-hold")
