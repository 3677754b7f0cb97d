"""Who may do what. IAM mode trusts the signed caller; in JWT mode a caller acts on its own account
(reads, debits, transfers out) and only a token with the admin scope may create money, choose a
counterparty or read system accounts. Every refusal is a 403 that writes nothing."""

import copy
from decimal import Decimal

import pytest

from handlers import balance, balances, history, holds, reversal, system_accounts, transact, transfer
from tests.support import (
    hold_event,
    invoke,
    place_event,
    reversal_event,
    system_event,
    transaction_event,
    transfer_event,
    unique,
    user_event,
)
from wallet.settings import ConfigurationError, get_settings

ADMIN_SCOPE = "wallet/admin"


@pytest.fixture
def jwt_mode(monkeypatch):
    monkeypatch.setenv("WALLET_AUTH_MODE", "jwt")
    monkeypatch.setenv("WALLET_ADMIN_SCOPE", ADMIN_SCOPE)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def as_subject(event, subject, scopes=None):
    event = copy.deepcopy(event)
    event["requestContext"]["authorizer"] = {"jwt": {"claims": {"sub": subject}, "scopes": scopes}}
    return event


def test_owner_may_read_debit_and_transfer_out_of_its_own_account(jwt_mode):
    user = unique("me")

    assert invoke(balance, as_subject(user_event("balance", user), user)).status == 200
    assert invoke(balances, as_subject(user_event("balances", user), user)).status == 200
    assert invoke(history, as_subject(user_event("history", user, {}), user)).status == 200
    assert invoke(transact, as_subject(transaction_event(unique("k"), user, "1.00", "debit"), user)).status == 201
    moved = invoke(transfer, as_subject(transfer_event(unique("k"), user, unique("friend"), "2.00"), user))
    assert moved.status == 201


def test_other_subjects_get_403_and_nothing_moves(jwt_mode, store):
    user, intruder, key = unique("victim"), unique("intruder"), unique("k")

    results = [
        invoke(balance, as_subject(user_event("balance", user), intruder)),
        invoke(balances, as_subject(user_event("balances", user), intruder)),
        invoke(history, as_subject(user_event("history", user, {}), intruder)),
        invoke(transact, as_subject(transaction_event(key, user, "100.00", "debit"), intruder)),
        invoke(transfer, as_subject(transfer_event(key, user, intruder, "100.00"), intruder)),
        invoke(transact, transaction_event(unique("k"), user, "1.00", "debit")),  # no token at all
    ]

    assert [result.status for result in results] == [403] * 6
    assert {result.body["error"]["code"] for result in results} == {"FORBIDDEN"}
    assert store.user_items(user) == [] and store.user_items(intruder) == [] and store.key_record(key) is None


@pytest.mark.parametrize(
    "event",
    [
        lambda user, key: transaction_event(key, user, "1000000.00", "credit"),
        lambda user, key: transaction_event(key, user, "1.00", "debit", counterparty="promotions"),
        lambda user, key: transaction_event(key, user, "1.00", "debit", counterparty="revenue"),
    ],
    ids=["credit-own-account", "debit-choosing-counterparty", "debit-naming-the-default-counterparty"],
)
def test_a_user_cannot_create_money_or_pick_a_counterparty(jwt_mode, store, event):
    user, key = unique("me"), unique("k")

    result = invoke(transact, as_subject(event(user, key), user, scopes=["wallet/read"]))

    assert result.status == 403 and result.body["error"]["code"] == "FORBIDDEN"
    assert store.user_items(user) == [] and store.key_record(key) is None


def test_a_user_cannot_reverse_even_its_own_movement(jwt_mode, store):
    user, key = unique("me"), unique("r")
    debit = invoke(transact, as_subject(transaction_event(unique("k"), user, "5.00", "debit"), user)).body
    event = reversal_event(debit["transactionId"], key)

    refused = invoke(reversal, as_subject(event, user))
    allowed = invoke(reversal, as_subject(event, "ops", scopes=[ADMIN_SCOPE]))

    assert refused.status == 403 and refused.body["error"]["code"] == "FORBIDDEN"
    assert allowed.status == 201 and store.balance(user) == 100


def test_system_accounts_need_the_admin_scope(jwt_mode):
    for event in (system_event("system-accounts"), system_event("system-balance")):
        assert invoke(system_accounts, as_subject(event, "someone")).status == 403
        assert invoke(system_accounts, as_subject(event, "someone", scopes=["other"])).status == 403
        assert invoke(system_accounts, as_subject(event, "ops", scopes=[ADMIN_SCOPE])).status == 200


def test_the_admin_scope_may_credit_and_choose_a_counterparty(jwt_mode):
    user = unique("u")
    event = transaction_event(unique("k"), user, "5.00", "credit", counterparty="promotions")

    result = invoke(transact, as_subject(event, "ops", scopes=[ADMIN_SCOPE]))

    assert result.status == 201 and result.body["counterparty"] == "promotions"


def test_no_admin_scope_configured_means_no_token_is_an_admin(jwt_mode, monkeypatch):
    monkeypatch.setenv("WALLET_ADMIN_SCOPE", "")
    get_settings.cache_clear()
    event = as_subject(transaction_event(unique("k"), unique("u"), "5.00", "credit"), "ops", scopes=[""])

    assert invoke(transact, event).status == 403


def test_a_forbidden_caller_cannot_read_a_cached_answer(jwt_mode):
    user, intruder, key = unique("victim"), unique("intruder"), unique("k")
    invoke(transact, as_subject(transaction_event(key, user, "5.00", "debit"), user))

    replay = invoke(transact, as_subject(transaction_event(key, user, "5.00", "debit"), intruder))

    assert replay.status == 403
    assert "transactionId" not in replay.raw_body


def test_iam_mode_does_not_check_subjects():
    user = unique("u")
    assert get_settings().auth_mode == "iam"
    assert invoke(balance, as_subject(user_event("balance", user), "someone-else")).status == 200
    assert invoke(system_accounts, system_event("system-accounts")).status == 200


@pytest.mark.parametrize("mode", ["JWT", "none", "", "iam "])
def test_an_unknown_auth_mode_fails_closed(monkeypatch, mode):
    monkeypatch.setenv("WALLET_AUTH_MODE", mode)
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError):
            invoke(balance, user_event("balance", unique("u")))
    finally:
        get_settings.cache_clear()


def test_missing_table_names_fail_in_lambda(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "wallet-balance")
    monkeypatch.delenv("WALLET_TABLE_NAME")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="WALLET_TABLE_NAME"):
            invoke(balance, user_event("balance", unique("u")))
    finally:
        get_settings.cache_clear()


def test_a_user_places_and_voids_its_own_holds_and_only_an_admin_captures(jwt_mode, store):
    user, intruder = unique("me"), unique("intruder")
    placed = invoke(holds, as_subject(place_event(user, "10.00"), user))
    foreign = invoke(holds, as_subject(place_event(user, "10.00"), intruder))
    hold_id = placed.body["holdId"]

    capture_by_owner = invoke(holds, as_subject(hold_event("hold-capture", hold_id), user))
    void_by_intruder = invoke(holds, as_subject(hold_event("hold-void", hold_id), intruder))
    read_by_intruder = invoke(holds, as_subject(hold_event("hold-get", hold_id), intruder))
    list_by_intruder = invoke(holds, as_subject(user_event("user-holds", user, {}), intruder))
    void_by_owner = invoke(holds, as_subject(hold_event("hold-void", hold_id), user))
    second = invoke(holds, as_subject(place_event(user, "5.00"), user)).body["holdId"]
    capture_by_admin = invoke(holds, as_subject(hold_event("hold-capture", second), "ops", scopes=[ADMIN_SCOPE]))

    assert placed.status == 201
    refused = [foreign, capture_by_owner, void_by_intruder, read_by_intruder, list_by_intruder]
    assert [result.status for result in refused] == [403] * 5
    assert void_by_owner.status == 200 and capture_by_admin.status == 200
    assert store.balance(user) == Decimal("95.00")


READ_SCOPE = "wallet/read"


@pytest.fixture
def read_scope(jwt_mode, monkeypatch):
    monkeypatch.setenv("WALLET_READ_SCOPE", READ_SCOPE)
    get_settings.cache_clear()


def test_the_read_scope_reads_every_account_and_the_books(read_scope):
    user = unique("customer")
    reads = [
        (balance, user_event("balance", user)),
        (balances, user_event("balances", user)),
        (history, user_event("history", user, {})),
        (holds, user_event("user-holds", user)),
        (system_accounts, system_event("system-accounts")),
        (system_accounts, system_event("system-balance")),
    ]
    for handler, event in reads:
        assert invoke(handler, as_subject(event, "operator", scopes=[READ_SCOPE])).status == 200
        assert invoke(handler, as_subject(event, "operator", scopes=["other"])).status == 403


def test_the_read_scope_does_not_act(read_scope, store):
    user = unique("customer")
    operator = ["operator", [READ_SCOPE]]

    results = [
        invoke(transact, as_subject(transaction_event(unique("k"), user, "5.00", "credit"), *operator)),
        invoke(transact, as_subject(transaction_event(unique("k"), user, "5.00", "debit"), *operator)),
        invoke(transfer, as_subject(transfer_event(unique("k"), user, unique("to"), "5.00"), *operator)),
    ]

    assert [result.status for result in results] == [403, 403, 403]
    assert store.balance(user) is None  # nothing written: the account still reads as its opening balance


def test_the_reconciliation_needs_the_admin_or_the_read_scope(read_scope):
    event = system_event("reconciliation")

    assert invoke(system_accounts, as_subject(event, "someone")).status == 403
    for scopes in ([READ_SCOPE], [ADMIN_SCOPE]):
        assert invoke(system_accounts, as_subject(event, "ops", scopes=scopes)).status != 403
