"""The Python API (no Lambda, no Powertools) is exactly-once by itself."""

from decimal import Decimal

import pytest

import wallet
from tests.support import unique
from wallet.errors import IdempotencyKeyReused, InsufficientFunds, InvalidRequest


def test_python_api_balance_transact_and_history(store):
    user, key = unique("py"), unique("k")

    assert wallet.get_current_balance(user).balance == Decimal("100.00")
    first = wallet.transact(key, user, Decimal("12.34"), "credit")
    again = wallet.transact(key, user, "12.34", "credit")

    assert not first.replayed and again.replayed
    assert again.entry == first.entry
    assert wallet.get_current_balance(user).balance == Decimal("112.34")
    assert [entry.transaction_id for entry in wallet.list_transactions(user).entries] == [first.entry.transaction_id]
    assert store.balance(user) == Decimal("112.34")


def test_python_api_errors():
    user = unique("py")
    with pytest.raises(InsufficientFunds):
        wallet.transact(unique("k"), user, 500, "debit")
    key = unique("k")
    wallet.transact(key, user, 1, "debit")
    with pytest.raises(IdempotencyKeyReused):
        wallet.transact(key, user, 2, "debit")
    with pytest.raises(InvalidRequest):
        wallet.transact(unique("k"), user, 1.5, "debit")
