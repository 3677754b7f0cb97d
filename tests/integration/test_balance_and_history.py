"""Balance and history through the Lambda handlers, against DynamoDB Local."""

from decimal import Decimal

from handlers import balance, history, transact
from tests.support import invoke, load_event, transaction_event, unique, user_event


def test_balance_of_unknown_user_is_100_and_reading_writes_nothing(store):
    user = unique("new")
    before = store.count_all()

    result = invoke(balance, user_event("balance", user))

    assert result.status == 200
    assert result.body == {  # the original three fields, then held / available and the chain's head (additive)
        "userId": user,
        "balance": "100.00",
        "currency": "USD",
        "held": "0.00",
        "available": "100.00",
        "head": {"sequence": 0, "hash": "0" * 64},
    }
    assert store.count_all() == before
    assert store.user_items(user) == []


def test_balance_sample_event_answers_for_u1():
    result = invoke(balance, load_event("balance"))

    assert result.status == 200
    assert result.body["userId"] == "u1"
    assert Decimal(result.body["balance"]) >= 0


def test_balance_with_invalid_user_id_is_400(store):
    result = invoke(balance, load_event("balance-invalid-user"))

    assert result.status == 400
    assert result.body["error"]["code"] == "VALIDATION_ERROR"


def test_history_lists_newest_first_with_exact_balance_after_and_pages():
    user = unique("hist")
    steps = [("credit", "10.00"), ("debit", "30.50"), ("credit", "0.25"), ("debit", "79.75"), ("credit", "5.00")]
    for number, (kind, amount) in enumerate(steps):
        assert invoke(transact, transaction_event(f"{user}-{number}", user, amount, kind)).status == 201

    pages, cursor = [], None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        result = invoke(history, user_event("history", user, query))
        assert result.status == 200
        pages.append(result.body["items"])
        cursor = result.body["nextCursor"]
        if cursor is None:
            break

    items = [item for page in pages for item in page]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [item["idempotentKey"] for item in items] == [f"{user}-{n}" for n in reversed(range(5))]
    # Reconcile the statement: each balanceAfter is the previous one plus this movement.
    running = Decimal("100.00")
    for item in reversed(items):
        running += Decimal(item["amount"]) * (1 if item["type"] == "credit" else -1)
        assert Decimal(item["balanceAfter"]) == running
    assert invoke(balance, user_event("balance", user)).body["balance"] == f"{running:.2f}" == "5.00"


def test_history_of_unknown_user_is_empty():
    result = invoke(history, user_event("history", unique("nobody"), {}))

    assert result.status == 200
    assert result.body == {"items": [], "nextCursor": None}


def test_history_rejects_bad_limit_and_foreign_cursor():
    user, other = unique("a"), unique("b")
    for number in range(3):
        invoke(transact, transaction_event(f"{other}-{number}", other, "1.00", "credit"))
    foreign_cursor = invoke(history, user_event("history", other, {"limit": "1"})).body["nextCursor"]

    for query in (
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "abc"},
        {"cursor": "not-a-cursor"},
        {"cursor": foreign_cursor},
    ):
        result = invoke(history, user_event("history", user, query))
        assert result.status == 400, query
        assert result.body["error"]["code"] == "VALIDATION_ERROR"
