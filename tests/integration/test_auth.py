"""JWT mode: a caller reads and moves money only for the userId equal to its token subject."""

import copy

import pytest

from handlers import balance, history, transact
from tests.support import invoke, transaction_event, unique, user_event
from wallet.settings import get_settings


@pytest.fixture
def jwt_mode(monkeypatch):
    monkeypatch.setenv("WALLET_AUTH_MODE", "jwt")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def as_subject(event, subject):
    event = copy.deepcopy(event)
    event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": subject}, "scopes": None}}
    return event


def test_owner_may_read_and_move_its_own_money(jwt_mode):
    user = unique("me")

    assert invoke(balance, as_subject(user_event("balance", user), user)).status == 200
    assert invoke(history, as_subject(user_event("history", user, {}), user)).status == 200
    assert invoke(transact, as_subject(transaction_event(unique("k"), user, "1.00", "credit"), user)).status == 201


def test_other_subjects_get_403_and_nothing_moves(jwt_mode, store):
    user, intruder, key = unique("victim"), unique("intruder"), unique("k")

    results = [
        invoke(balance, as_subject(user_event("balance", user), intruder)),
        invoke(history, as_subject(user_event("history", user, {}), intruder)),
        invoke(transact, as_subject(transaction_event(key, user, "100.00", "debit"), intruder)),
        invoke(transact, transaction_event(unique("k"), user, "1.00", "debit")),  # no token at all
    ]

    assert [result.status for result in results] == [403, 403, 403, 403]
    assert {result.body["error"]["code"] for result in results} == {"FORBIDDEN"}
    assert store.user_items(user) == [] and store.key_record(key) is None


def test_a_forbidden_caller_cannot_read_a_cached_answer(jwt_mode):
    user, intruder, key = unique("victim"), unique("intruder"), unique("k")
    invoke(transact, as_subject(transaction_event(key, user, "5.00", "credit"), user))

    replay = invoke(transact, as_subject(transaction_event(key, user, "5.00", "credit"), intruder))

    assert replay.status == 403
    assert "transactionId" not in replay.raw_body


def test_iam_mode_does_not_check_subjects():
    user = unique("u")
    assert get_settings().auth_mode == "iam"
    assert invoke(balance, as_subject(user_event("balance", user), "someone-else")).status == 200
