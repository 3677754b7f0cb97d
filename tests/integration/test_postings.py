"""Transactions of many postings on DynamoDB Local: all postings commit in one transaction or none does,
judged on each user's net per asset; every user side leaves a chained entry with its exact balance after,
every system side its leg; a key applies once; a reversal moves every posting back once; any movement reads
back by its id. Concurrency through real conditional transactions, a hot seller through the contention
simulator, and faults after the commit."""

import copy
import json
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import wallet
from handlers import holds, postings, reversal, transact, transaction, transfer
from tests.faults import cancelled_by_conflict, inject, lose_response_after_commit, throttled
from tests.integration.test_auth import as_subject, jwt_mode  # noqa: F401  (a fixture)
from tests.integration.test_group_commit import send_once_each
from tests.integration.test_ledger_concurrency import assert_accounts_chain
from tests.support import (
    invoke,
    load_event,
    place_event,
    reversal_event,
    run_concurrently,
    transaction_event,
    transfer_event,
    unique,
    with_body,
)
from wallet.errors import InsufficientFunds
from wallet.service.postings import MAX_POSTING_ACCOUNTS, MAX_POSTINGS


def posting(source: str, target: str, amount: str, currency: str | None = None) -> dict:
    def side(name: str) -> dict:
        return {"systemAccount": name} if name in ("revenue", "treasury", "promotions") else {"userId": name}

    result = {"from": side(source), "to": side(target), "amount": amount}
    if currency is not None:
        result["currency"] = currency
    return result


def postings_event(key: str | None, items: list[dict], **fields) -> dict:
    body = {"postings": items, **fields}
    if key is not None:
        body["idempotentKey"] = key
    return with_body("postings-order", body)


def order(key: str, buyer: str, seller: str, price: str = "9.70", fee: str = "0.30") -> dict:
    return postings_event(key, [posting(buyer, seller, price), posting(buyer, "revenue", fee)], description="Order")


def get_event(transaction_id: str) -> dict:
    event = copy.deepcopy(load_event("transaction-get"))
    path = f"/transactions/{transaction_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"transactionId": transaction_id}
    return event


def test_an_order_with_a_fee_moves_every_posting_in_one_transaction(store):
    event = load_event("postings-order")
    buyer, seller, key = unique("buyer"), unique("seller"), unique("order")
    body = json.loads(event["body"])
    body.update(idempotentKey=key)
    body["postings"][0].update({"from": {"userId": buyer}, "to": {"userId": seller}})
    body["postings"][1]["from"] = {"userId": buyer}

    result = invoke(postings, with_body("postings-order", body))

    assert result.status == 201, result.body
    answer = result.body
    assert answer["type"] == "postings" and answer["idempotentKey"] == key
    assert answer["postings"] == [
        {"from": {"userId": buyer}, "to": {"userId": seller}, "amount": "9.70", "currency": "USD"},
        {"from": {"userId": buyer}, "to": {"systemAccount": "revenue"}, "amount": "0.30", "currency": "USD"},
    ]
    assert answer["balances"] == [
        {"userId": buyer, "currency": "USD", "balance": "90.00"},
        {"userId": seller, "currency": "USD", "balance": "109.70"},
    ]
    assert (answer["description"], answer["metadata"]) == ("Order 42", {"orderId": "42"})
    assert [(r["userId"], r["sequence"]) for r in answer["receipts"]] == [(buyer, 1), (buyer, 2), (seller, 1)]
    buyer_entries = store.ledger(buyer)
    assert [(item["type"]["S"], item["balanceAfterMinor"]["N"]) for item in buyer_entries] == [
        ("transfer_out", "9030"),
        ("debit", "9000"),
    ]
    assert {item["transactionId"]["S"] for item in buyer_entries} == {answer["transactionId"]}
    assert store.balance(buyer) == Decimal("90.00") and store.balance(seller) == Decimal("109.70")

    read = invoke(transaction, get_event(answer["transactionId"]))

    assert read.status == 200
    assert read.body["type"] == "postings" and read.body["postings"] == answer["postings"]
    assert [(e["userId"], e["type"], e["balanceAfter"]) for e in read.body["entries"]] == [
        (buyer, "transfer_out", "90.30"),
        (buyer, "debit", "90.00"),
        (seller, "transfer_in", "109.70"),
    ]
    assert read.body["reversed"] == [] and read.body["idempotentKey"] == key
    assert_accounts_chain(store, [buyer, seller], opening=Decimal("100.00"))
    store.assert_books_balance()


def test_the_same_key_replays_byte_identical_and_another_payload_is_422(store):
    buyer, seller, key = unique("buyer"), unique("seller"), unique("order")
    first = invoke(postings, order(key, buyer, seller))
    again = invoke(postings, order(key, buyer, seller))
    store.delete_powertools_records()  # past the response cache: the ledger's own record answers
    from_ledger = invoke(postings, order(key, buyer, seller))
    other = invoke(postings, order(key, buyer, seller, price="1.00"))
    elsewhere = invoke(transact, transaction_event(key, buyer, "1.00", "debit"))  # one key space

    assert first.status == again.status == from_ledger.status == 201
    assert again.raw_body == first.raw_body == from_ledger.raw_body
    assert again.headers["idempotent-replayed"] == from_ledger.headers["idempotent-replayed"] == "true"
    assert other.status == elsewhere.status == 422
    assert len(store.ledger(buyer)) == 2 and store.balance(buyer) == Decimal("90.00")
    store.assert_books_balance()


def test_a_net_outflow_beyond_the_available_balance_declines_everything(store):
    buyer, seller, friend = unique("buyer"), unique("seller"), unique("friend")
    items_before = store.count_all()

    too_much = postings_event(unique("k"), [posting(buyer, seller, "60.00"), posting(buyer, friend, "40.01")])
    declined = invoke(postings, too_much)

    assert declined.status == 409 and declined.body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert buyer in declined.body["error"]["message"] and "USD" in declined.body["error"]["message"]
    assert store.ledger(buyer) == [] and store.ledger(seller) == [] and store.ledger(friend) == []
    assert store.count_all() == items_before + 2, "only the key's declined record and its cached answer"
    store.delete_powertools_records()  # past the response cache, the key's record answers the same bytes
    again = invoke(postings, too_much)
    assert (again.status, again.raw_body) == (409, declined.raw_body)
    assert again.headers["idempotent-replayed"] == "true"
    # What counts is the net: paying 150.00 while receiving 60.00 in the same transaction needs 90.00.
    netted = invoke(
        postings,
        postings_event(unique("k"), [posting(buyer, seller, "150.00"), posting(friend, buyer, "60.00")]),
    )
    assert netted.status == 201, netted.body
    assert store.balance(buyer) == Decimal("10.00") and store.balance(seller) == Decimal("250.00")
    # A hold counts against what may be spent.
    payer = unique("payer")
    assert invoke(holds, place_event(payer, "95.00", unique("h"))).status == 201
    held = invoke(postings, postings_event(unique("k"), [posting(payer, seller, "5.01")]))
    assert held.status == 409 and payer in held.body["error"]["message"]
    store.assert_books_balance()


def test_an_exchange_between_assets_commits_both_sides(store):
    user = unique("collector")
    assert invoke(transact, transaction_event(unique("k"), user, "500", "credit", currency="GOLD")).status == 201
    body = json.loads(load_event("postings-exchange")["body"])
    body["idempotentKey"] = unique("exchange")
    for item in body["postings"]:
        for side in ("from", "to"):
            if "userId" in item[side]:
                item[side]["userId"] = user

    result = invoke(postings, with_body("postings-exchange", body))

    assert result.status == 201, result.body
    assert sorted((b["currency"], b["balance"]) for b in result.body["balances"]) == [
        ("GOLD", "495"),
        ("USD", "105.00"),
    ]
    assert store.balance(user, "GOLD") == Decimal("495") and store.balance(user) == Decimal("105.00")
    store.assert_books_balance()


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], "postings"),
        ([posting("a", "b", "1.00")] * (MAX_POSTINGS + 1), "postings"),
        ([posting("a", "a", "1.00")], "differ"),
        ([posting("a", "b", "0.00")], "amount"),
        ([posting("a", "b", "-1.00")], "amount"),
        ([posting("a", "b", "1.001")], "decimal"),
        ([posting("a", "b", "1", "XYZ")], "currency"),
        ([{"from": {"systemAccount": "nobody"}, "to": {"userId": "a"}, "amount": "1.00"}], "counterparty"),
        ([{"from": {"userId": "a", "systemAccount": "revenue"}, "to": {"userId": "b"}, "amount": "1.00"}], "from"),
        ([{"from": {}, "to": {"userId": "b"}, "amount": "1.00"}], "from"),
        ([posting("treasury", "revenue", "1.00")], "user"),
        ([posting(f"u{n}", f"v{n}", "1.00") for n in range(MAX_POSTING_ACCOUNTS // 2 + 1)], "accounts"),
    ],
    ids=[
        "none",
        "too-many",
        "same-sides",
        "zero",
        "negative",
        "beyond-scale",
        "unknown-asset",
        "unknown-system-account",
        "both-sides-named",
        "neither-named",
        "system-to-system",
        "too-many-accounts",
    ],
)
def test_bad_postings_are_400_and_write_nothing(store, items, expected):
    items_before = store.count_all()

    result = invoke(postings, postings_event(unique("k"), items))

    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "VALIDATION_ERROR"
    assert expected in result.body["error"]["message"].lower() or expected in json.dumps(result.body).lower()
    assert store.count_all() == items_before


def test_the_largest_transaction_fits_one_dynamodb_transaction(store):
    """MAX_POSTINGS postings among MAX_POSTING_ACCOUNTS accounts never seen before (each with its opening
    leg): the most items one transaction can hold."""
    users = [unique("many") for _ in range(MAX_POSTING_ACCOUNTS)]
    items = [posting(users[n], users[(n + 1) % len(users)], "1.00") for n in range(MAX_POSTINGS)]

    result = invoke(postings, postings_event(unique("k"), items))

    assert result.status == 201, result.body
    assert len(result.body["receipts"]) == 2 * MAX_POSTINGS
    assert_accounts_chain(store, users, opening=Decimal("100.00"))
    store.assert_books_balance()


def test_a_reversal_moves_every_posting_back_once(store):
    buyer, seller = unique("buyer"), unique("seller")
    applied = invoke(postings, order(unique("order"), buyer, seller)).body
    transaction_id = applied["transactionId"]

    partial = invoke(reversal, reversal_event(transaction_id, unique("r"), amount="1.00"))
    back = invoke(reversal, reversal_event(transaction_id, unique("r"), description="Order cancelled"))
    twice = invoke(reversal, reversal_event(transaction_id, unique("r")))
    read = invoke(transaction, get_event(transaction_id))

    assert (partial.status, partial.body["error"]["code"]) == (409, "REVERSAL_WHOLE_ONLY")
    assert back.status == 201, back.body
    assert back.body["reversalOf"] == transaction_id
    assert sorted((e["userId"], e["type"], e["amount"]) for e in back.body["entries"]) == [
        (buyer, "credit", "0.30"),
        (buyer, "transfer_in", "9.70"),
        (seller, "transfer_out", "9.70"),
    ]
    assert twice.status == 409
    assert store.balance(buyer) == Decimal("100.00") and store.balance(seller) == Decimal("100.00")
    assert read.body["reversed"] == [{"currency": "USD", "amount": "10.00"}]
    reversed_read = invoke(transaction, get_event(back.body["transactionId"]))
    assert reversed_read.body["type"] == "reversal" and reversed_read.body["reversalOf"] == transaction_id
    assert_accounts_chain(store, [buyer, seller], opening=Decimal("100.00"))
    store.assert_books_balance()


def test_a_reversal_is_declined_when_a_payee_no_longer_has_the_money(store):
    buyer, seller = unique("buyer"), unique("seller")
    applied = invoke(postings, order(unique("order"), buyer, seller, price="90.00", fee="1.00")).body
    assert invoke(transfer, transfer_event(unique("k"), seller, unique("else"), "150.00")).status == 201

    back = invoke(reversal, reversal_event(applied["transactionId"], unique("r")))

    assert back.status == 409 and back.body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert seller in back.body["error"]["message"]
    assert len(store.ledger(buyer)) == 2, "nothing moved back"
    store.assert_books_balance()


def test_any_movement_reads_back_by_its_id(store):
    user, other = unique("u"), unique("o")
    credit = invoke(transact, transaction_event(unique("k"), user, "5.00", "credit")).body
    moved = invoke(transfer, transfer_event(unique("k"), user, other, "2.00")).body
    invoke(reversal, reversal_event(credit["transactionId"], unique("r"), amount="1.00"))

    read_credit = invoke(transaction, get_event(credit["transactionId"])).body
    read_transfer = invoke(transaction, get_event(moved["transferId"])).body
    unknown = invoke(transaction, get_event("no-such-movement"))

    assert read_credit["type"] == "credit"
    assert read_credit["postings"] == [
        {"from": {"systemAccount": "treasury"}, "to": {"userId": user}, "amount": "5.00", "currency": "USD"}
    ]
    assert read_credit["reversed"] == [{"currency": "USD", "amount": "1.00"}]
    assert read_transfer["type"] == "transfer"
    assert read_transfer["postings"] == [
        {"from": {"userId": user}, "to": {"userId": other}, "amount": "2.00", "currency": "USD"}
    ]
    assert len(read_transfer["entries"]) == 2 and read_transfer["reversed"] == []
    assert unknown.status == 404 and unknown.body["error"]["code"] == "NOT_FOUND"


def test_in_jwt_mode_a_caller_posts_only_from_its_own_account(jwt_mode, store):  # noqa: F811
    buyer, seller = unique("buyer"), unique("seller")
    items_before = store.count_all()

    refusals = [
        invoke(postings, as_subject(order(unique("k"), buyer, seller), seller)),  # paying from someone else
        invoke(postings, as_subject(postings_event(unique("k"), [posting("treasury", buyer, "5.00")]), buyer)),
        invoke(postings, as_subject(postings_event(unique("k"), [posting(buyer, "treasury", "5.00")]), buyer)),
    ]
    assert [result.status for result in refusals] == [403, 403, 403]
    assert store.count_all() == items_before

    mine = invoke(postings, as_subject(order(unique("k"), buyer, seller), buyer))
    assert mine.status == 201, mine.body
    transaction_id = mine.body["transactionId"]
    assert invoke(transaction, as_subject(get_event(transaction_id), seller)).status == 200  # a party
    assert invoke(transaction, as_subject(get_event(transaction_id), unique("stranger"))).status == 403
    admin = invoke(
        postings,
        as_subject(postings_event(unique("k"), [posting("treasury", buyer, "5.00")]), "ops", ["wallet/admin"]),
    )
    assert admin.status == 201
    store.assert_books_balance()


def test_concurrent_orders_of_one_buyer_never_overspend(environments, store):
    """Real conditional transactions (DynamoDB Local), 24 Lambda environments: 40 orders of 10.00 from a
    buyer with 100.00; exactly ten apply, each once, and the buyer ends at zero."""
    buyer, sellers = unique("buyer"), [unique("seller") for _ in range(5)]
    events = [order(unique("order"), buyer, sellers[n % 5]) for n in range(40)]

    results = run_concurrently(environments, postings, events, clients=24)

    assert sorted({result.status for result in results}) == [201, 409]
    assert sum(result.status == 201 for result in results) == 10
    assert store.balance(buyer) == Decimal("0.00")
    assert_accounts_chain(store, [buyer, *sellers], opening=Decimal("100.00"))
    store.assert_books_balance()


def test_a_hot_seller_under_real_dynamodb_conflict_rules(simulated_environments, store):
    """Many buyers paying one seller at once, through the contention simulator (real DynamoDB's conflict
    and throttling rules): every order gets one final answer with all its postings or none, no 5xx."""
    seller, buyers = unique("seller"), [unique("buyer") for _ in range(16)]
    rng = random.Random(20)
    events = [order(unique("order"), rng.choice(buyers), seller, price="3.00", fee="0.10") for _ in range(120)]

    first, results = send_once_each(simulated_environments, postings, events, clients=32)

    assert {result.status for result in first} <= {201, 409}, "no 503, no 5xx, not even once"
    applied = [json.loads(e["body"])["idempotentKey"] for e, r in zip(events, results, strict=True) if r.status == 201]
    assert len(applied) == 120
    entries = {}
    for user in [seller, *buyers]:
        for item in store.ledger(user):
            entries[item["idempotentKey"]["S"]] = entries.get(item["idempotentKey"]["S"], 0) + 1
    assert all(entries.get(key) == 3 for key in applied), "every posting of every applied order"
    assert store.balance(seller) == Decimal("100.00") + Decimal("3.00") * 120
    assert_accounts_chain(store, [seller, *buyers], opening=Decimal("100.00"))
    store.assert_books_balance()


def test_a_response_lost_after_the_commit_is_applied_once(client, store):
    buyer, seller, key = unique("buyer"), unique("seller"), unique("order")

    with inject(client, "TransactWriteItems", lose_response_after_commit, times=1) as fault:
        result = invoke(postings, order(key, buyer, seller))

    assert fault.injected == 1 and result.status == 201, result.body
    assert len(store.ledger(buyer)) == 2 and len(store.ledger(seller)) == 1
    assert store.balance(buyer) == Decimal("90.00")
    store.assert_books_balance()


@pytest.mark.parametrize(("fault", "times"), [(cancelled_by_conflict, 3), (throttled, 2)], ids=["conflict", "throttle"])
def test_conflicts_and_throttles_are_retried_to_one_application(client, store, fault, times):
    buyer, seller, key = unique("buyer"), unique("seller"), unique("order")

    with inject(client, "TransactWriteItems", fault, times=times) as injected:
        result = invoke(postings, order(key, buyer, seller))

    assert injected.injected == times and result.status == 201
    assert len(store.ledger(buyer)) == 2 and len(store.ledger(seller)) == 1
    store.assert_books_balance()


_PARTIES = ["p1", "p2", "p3", "revenue", "treasury"]


@st.composite
def random_postings(draw):
    count = draw(st.integers(min_value=1, max_value=6))
    items = []
    for _ in range(count):
        source = draw(st.sampled_from(_PARTIES))
        target = draw(st.sampled_from([party for party in _PARTIES if party != source]))
        if source in ("revenue", "treasury") and target in ("revenue", "treasury"):
            target = "p1"
        amount = draw(st.integers(min_value=1, max_value=9000))
        items.append((source, target, amount))
    return items


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=random_postings())
def test_random_postings_commit_entirely_with_exact_net_deltas_or_change_nothing(store, items):
    users = {name: unique(name) for name in ("p1", "p2", "p3")}
    for user in users.values():  # each at 50.00, and written, so nothing is opened by the postings
        wallet.transact(unique("k"), user, "50.00", "debit")
    before = {user: store.balance(user) for user in users.values()}
    net = dict.fromkeys(users.values(), 0)
    request = []
    for source, target, amount in items:
        source, target = users.get(source, source), users.get(target, target)
        request.append(posting(source, target, f"{amount // 100}.{amount % 100:02d}"))
        if source in net:
            net[source] -= amount
        if target in net:
            net[target] += amount

    try:
        result = wallet.post(unique("k"), request)
    except InsufficientFunds:
        assert any(before[user] * 100 + net[user] < 0 for user in net), "declined only for a real shortfall"
        assert {user: store.balance(user) for user in users.values()} == before
    else:
        assert all(before[user] * 100 + net[user] >= 0 for user in net)
        for user in users.values():
            assert store.balance(user) == before[user] + Decimal(net[user]) / 100
        touched = {entry.user_id for entry in result.entries}
        assert touched == {user for user in users.values() if any(user in json.dumps(p) for p in request)}
    assert_accounts_chain(store, list(users.values()), opening=Decimal("100.00"))
    store.assert_books_balance()
