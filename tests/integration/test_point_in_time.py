"""Point-in-time balances and history windows, from the ByTime index."""

import time
from datetime import UTC, datetime, timedelta

import pytest

import wallet
from handlers import balance, balances, history
from tests.support import invoke, unique, user_event


def shifted(instant: str, milliseconds: int) -> str:
    moment = datetime.fromisoformat(instant) + timedelta(milliseconds=milliseconds)
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@pytest.fixture
def timeline():
    """Three movements on one account, a few milliseconds apart: 100.00 → 110.00 → 105.00 → 104.00."""
    user = unique("pit")
    moments = []
    for key, amount, kind in (("a", "10", "credit"), ("b", "5", "debit"), ("c", "1", "debit")):
        moments.append(wallet.transact(unique(key), user, amount, kind).entry.created_at)
        time.sleep(0.005)
    return user, moments


def balance_at(user, at, currency="USD"):
    result = invoke(balance, user_event("balance", user, {"currency": currency, "at": at}))
    assert result.status == 200, result.body
    return result.body["balance"]


def test_balance_at_an_instant_is_the_balance_after_the_last_entry_at_or_before_it(timeline):
    user, (first, second, third) = timeline

    assert balance_at(user, shifted(first, -1)) == "100.00"  # before any entry: the opening balance
    assert balance_at(user, first) == "110.00"  # inclusive: an entry made exactly at `at` counts
    assert balance_at(user, shifted(first, 0.5)) == "110.00"
    assert balance_at(user, second) == "105.00"
    assert balance_at(user, shifted(third, 60_000)) == "104.00"
    assert balance_at(user, "2000-01-01T00:00:00+00:00") == "100.00"
    assert balance_at(user, first.replace("Z", "+00:00")) == "110.00"


def test_balances_at_an_instant_cover_every_asset(timeline):
    user, (first, _, _) = timeline
    result = invoke(balances, user_event("balances", user, {"at": first}))
    assert result.status == 200
    assert result.body["balances"] == [  # held and available describe now, not a past instant
        {"currency": "USD", "balance": "110.00", "held": None, "available": None, "head": None},
        {"currency": "EUR", "balance": "0.00", "held": None, "available": None, "head": None},
        {"currency": "GOLD", "balance": "0", "held": None, "available": None, "head": None},
    ]


def test_history_window_is_from_inclusive_to_exclusive_and_pages(timeline):
    user, (first, second, third) = timeline

    def window(**query):
        items, cursor = [], None
        while True:
            page = invoke(
                history, user_event("history", user, {**query, "limit": "1"} | ({"cursor": cursor} if cursor else {}))
            )
            assert page.status == 200, page.body
            items += [item["balanceAfter"] for item in page.body["items"]]
            cursor = page.body["nextCursor"]
            if cursor is None:
                return items

    assert window(**{"from": first, "to": third}) == ["105.00", "110.00"]
    assert window(**{"from": second}) == ["104.00", "105.00"]
    assert window(to=second) == ["110.00"]
    assert window(**{"from": shifted(third, 1)}) == []
    assert window(**{"from": third, "to": first}) == []  # a window that ends before it starts
    assert window(**{"from": "2248-09-01T18:43:37Z", "to": "0100-03-10T17:45:23Z"}) == []


@pytest.mark.parametrize("instant", ["yesterday", "2026-11-23", "2026-11-23T10:00:00", "2026-13-01T00:00:00Z", ""])
def test_malformed_instants_are_400(instant):
    user = unique("u")
    for handler, event in (
        (balance, user_event("balance", user, {"at": instant})),
        (balances, user_event("balances", user, {"at": instant})),
        (history, user_event("history", user, {"from": instant})),
        (history, user_event("history", user, {"to": instant})),
    ):
        result = invoke(handler, event)
        assert result.status == 400, (event["rawPath"], result.body)
        assert result.body["error"]["code"] == "VALIDATION_ERROR"


def test_entries_of_one_account_are_in_time_order_with_their_sequence(store):
    user = unique("order")
    for _ in range(20):
        wallet.transact(unique("k"), user, "1", "credit")
    entries = sorted(store.ledger(user), key=lambda item: int(item["sequence"]["N"]))
    times = [item["createdAt"]["S"] for item in entries]
    assert times == sorted(times)
