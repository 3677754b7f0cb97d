"""Model-based test: random sequences of wallet operations through the real handlers, checked
step by step against a plain in-memory model of what a correct wallet answers."""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from handlers import balance, history, transact
from tests.integration.conftest import Store
from tests.support import invoke, transaction_event, unique, user_event
from wallet.aws import dynamodb_client

USERS = ["alice", "bob", "carol"]
AMOUNTS = st.integers(min_value=1, max_value=15000)  # cents: 0.01 .. 150.00


@dataclass
class SentTransaction:
    key: str
    user: str
    cents: int
    type: str
    status: int
    raw_body: str = field(repr=False)


@dataclass
class ModelWallet:
    balances: dict[str, int] = field(default_factory=dict)
    ledger: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # (type, cents, after)

    def balance(self, user: str) -> int:
        return self.balances.get(user, 10000)

    def apply(self, user: str, cents: int, type: str) -> int | None:
        """The balance after, or None for a declined debit."""
        after = self.balance(user) + (cents if type == "credit" else -cents)
        if after < 0:
            return None
        self.balances[user] = after
        self.ledger.setdefault(user, []).append((type, cents, after))
        return after


def as_money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


class WalletMachine(RuleBasedStateMachine):
    sent = Bundle("sent")

    def __init__(self) -> None:
        super().__init__()
        self.run = unique("model")  # fresh users and keys for every generated sequence
        self.model = ModelWallet()

    def user_id(self, name: str) -> str:
        return f"{self.run}-{name}"

    @rule(
        target=sent,
        name=st.sampled_from(USERS),
        cents=AMOUNTS,
        type=st.sampled_from(["credit", "debit"]),
        as_number=st.booleans(),
    )
    def move(self, name, cents, type, as_number):
        return self._send(name, cents, type, as_number)

    @rule(target=sent, name=st.sampled_from(USERS), offset=st.integers(min_value=-1, max_value=1))
    def debit_around_the_whole_balance(self, name, offset):
        """The boundary: a debit of the balance minus a cent, the balance exactly, or a cent more."""
        return self._send(name, max(1, self.model.balance(name) + offset), "debit", as_number=False)

    def _send(self, name, cents, type, as_number):
        key = unique(f"{self.run}-k")
        amount = json.loads(as_money(cents)) if as_number and cents % 100 == 0 else as_money(cents)
        result = invoke(transact, transaction_event(key, self.user_id(name), amount, type))
        expected_after = self.model.apply(name, cents, type)
        if expected_after is None:
            assert result.status == 409, result.body
            assert result.body["error"]["code"] == "INSUFFICIENT_FUNDS"
        else:
            assert result.status == 201, result.body
            assert result.body["balance"] == as_money(expected_after)
            assert result.body["amount"] == as_money(cents)
        return SentTransaction(key, name, cents, type, result.status, result.raw_body)

    @rule(earlier=sent)
    def replay(self, earlier):
        result = invoke(
            transact, transaction_event(earlier.key, self.user_id(earlier.user), as_money(earlier.cents), earlier.type)
        )
        assert result.status == earlier.status
        assert result.raw_body == earlier.raw_body
        assert result.headers.get("idempotent-replayed") == "true"

    @rule(earlier=sent, change=st.sampled_from(["amount", "type", "user"]))
    def reuse_key_with_other_payload(self, earlier, change):
        user, cents, type = earlier.user, earlier.cents, earlier.type
        if change == "amount":
            cents += 1
        elif change == "type":
            type = "credit" if type == "debit" else "debit"
        else:
            user = next(name for name in USERS if name != earlier.user)
        result = invoke(transact, transaction_event(earlier.key, self.user_id(user), as_money(cents), type))
        assert result.status == 422
        assert result.body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"

    @rule()
    def expire_response_cache(self):
        """The Powertools records expire: the ledger alone must still answer every key the same way."""
        Store(dynamodb_client()).delete_powertools_records()

    @rule(name=st.sampled_from(USERS))
    def read_balance(self, name):
        result = invoke(balance, user_event("balance", self.user_id(name)))
        assert result.status == 200
        assert result.body["balance"] == as_money(self.model.balance(name))

    @rule(name=st.sampled_from(USERS), limit=st.integers(min_value=1, max_value=4))
    def read_history(self, name, limit):
        items, cursor = [], None
        while True:
            query = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
            result = invoke(history, user_event("history", self.user_id(name), query))
            assert result.status == 200
            items += result.body["items"]
            cursor = result.body["nextCursor"]
            if cursor is None:
                break
        expected = [
            (type, as_money(cents), as_money(after)) for type, cents, after in reversed(self.model.ledger.get(name, []))
        ]
        assert [(item["type"], item["amount"], item["balanceAfter"]) for item in items] == expected

    @invariant()
    def balances_never_negative(self):
        assert all(value >= 0 for value in self.model.balances.values())


WalletMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_wallet_matches_the_model = WalletMachine.TestCase
