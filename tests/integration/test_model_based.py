"""Model-based test: random sequences of ledger operations through the real handlers, checked step by
step against a plain in-memory model of what a correct ledger answers.

Operations: credits and debits in three assets with optional counterparty, description and metadata,
transfers between users, postings transactions (several postings among users and system accounts, in
several assets, and their whole reversal), holds (placed, captured in part or in full to a system account or a user,
voided, expired by moving a fake clock), reversals (partial and full), replays, reused keys (also across
routes), response-cache expiry, balance, balances, history and point-in-time reads. After every step the
system accounts the step touched are read back and compared with the model, no available balance is
negative, and the books balance: for every asset, the users' balances plus the system accounts'
movements caused by this run sum to zero.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

import wallet
from handlers import balance, balances, history, holds, postings, reversal, transact, transfer
from tests.integration.conftest import Store
from tests.support import (
    hold_event,
    invoke,
    reversal_event,
    transaction_event,
    transfer_event,
    unique,
    user_event,
    with_body,
)
from wallet.aws import dynamodb_client
from wallet.chain import GENESIS_HASH, hash_fields

USERS = ["alice", "bob", "carol"]
ASSETS = {"USD": (2, 10000), "EUR": (2, 0), "GOLD": (0, 0)}  # scale, opening in minor units
SYSTEM_ACCOUNTS = ["treasury", "promotions", "revenue"]
AMOUNTS = st.integers(min_value=1, max_value=15000)  # minor units: 0.01 .. 150.00 USD, 1 .. 15000 GOLD
METADATA = st.none() | st.dictionaries(
    st.sampled_from(["order", "game", "note"]), st.text("abc-1", max_size=5), max_size=3
)


def money(minor: int, currency: str) -> str:
    return format(Decimal(minor).scaleb(-ASSETS[currency][0]), "f")


@dataclass
class Sent:
    key: str
    route: Any  # the handler module
    body: dict[str, Any]
    status: int
    raw_body: str = field(repr=False)


@dataclass
class ModelHold:
    user: str
    currency: str
    amount: int
    expires_ms: int
    status: str = "pending"


@dataclass
class ModelMovement:
    """An applied credit, debit or transfer (or capture), as a reversal sees it."""

    kind: str  # credit, debit, transfer, postings
    user: str  # the user credited or debited; for a transfer the sender
    other: str  # the system account, or the receiver
    currency: str
    amount: int  # for postings: 1 (reversed whole, once)
    reversed: int = 0
    postings: list[tuple[str, str, str, int]] = field(default_factory=list)  # (from, to, currency, amount)


@dataclass
class ModelLedger:
    balances: dict[tuple[str, str], int] = field(default_factory=dict)  # written accounts only
    system: dict[tuple[str, str], int] = field(default_factory=dict)  # movements caused by this run
    ledger: dict[tuple[str, str], list[tuple[str, int, int, str, str]]] = field(default_factory=dict)
    touched: set[tuple[str, str]] = field(default_factory=set)  # system pairs changed since the last check
    holds: dict[str, ModelHold] = field(default_factory=dict)
    movements: dict[str, ModelMovement] = field(default_factory=dict)
    now_ms: int = 0
    now: str = ""

    def balance(self, user: str, currency: str) -> int:
        return self.balances.get((user, currency), ASSETS[currency][1])

    def held(self, user: str, currency: str) -> int:
        return sum(
            hold.amount
            for hold in self.holds.values()
            if (hold.user, hold.currency) == (user, currency)
            and hold.status == "pending"
            and self.now_ms < hold.expires_ms
        )

    def available(self, user: str, currency: str) -> int:
        return self.balance(user, currency) - self.held(user, currency)

    def touch(self, user: str, currency: str) -> None:
        """An account's first write of any kind issues its opening balance from the treasury."""
        if (user, currency) not in self.balances:
            if ASSETS[currency][1]:
                self._move_system("treasury", currency, -ASSETS[currency][1])
            self.balances[(user, currency)] = ASSETS[currency][1]

    def _move_system(self, account: str, currency: str, amount: int) -> None:
        self.system[(account, currency)] = self.system.get((account, currency), 0) + amount
        self.touched.add((account, currency))

    def _post(self, user: str, currency: str, type: str, amount: int, counterparty: str) -> int:
        self.touch(user, currency)
        sign = 1 if type in ("credit", "transfer_in") else -1
        after = self.balance(user, currency) + sign * amount
        self.balances[(user, currency)] = after
        self.ledger.setdefault((user, currency), []).append((type, amount, after, counterparty, self.now))
        return after

    def transact(
        self, user: str, currency: str, amount: int, type: str, counterparty: str, releasing: int = 0
    ) -> int | None:
        """releasing: a capture's own held amount, freed by the same write."""
        sign = 1 if type == "credit" else -1
        if sign < 0 and self.available(user, currency) + releasing - amount < 0:
            return None
        self._move_system(counterparty, currency, -sign * amount)
        return self._post(user, currency, type, amount, counterparty)

    def transfer(
        self, source: str, target: str, currency: str, amount: int, releasing: int = 0
    ) -> tuple[int, int] | None:
        if self.available(source, currency) + releasing < amount:
            return None
        return (
            self._post(source, currency, "transfer_out", amount, target),
            self._post(target, currency, "transfer_in", amount, source),
        )

    def post(self, items: list[tuple[str, str, str, int]]) -> dict[tuple[str, str], int] | None:
        """Postings (from, to, currency, amount; a name in SYSTEM_ACCOUNTS is a system account): all or
        nothing on each user's net per asset; each account takes its receipts before its payments. Returns
        each touched user account's balance after, or None for a decline."""
        net: dict[tuple[str, str], int] = {}
        for source, target, currency, amount in items:
            for party, sign in ((source, -1), (target, 1)):
                if party not in SYSTEM_ACCOUNTS:
                    net[(party, currency)] = net.get((party, currency), 0) + sign * amount
        if any(value < 0 and self.available(*key) + value < 0 for key, value in net.items()):
            return None
        for paying in (False, True):
            for source, target, currency, amount in items:
                party, other = (source, target) if paying else (target, source)
                if party in SYSTEM_ACCOUNTS:
                    self._move_system(party, currency, -amount if paying else amount)
                    continue
                between_users = other not in SYSTEM_ACCOUNTS
                kind = (
                    ("transfer_out" if paying else "transfer_in")
                    if between_users
                    else ("debit" if paying else "credit")
                )
                self._post(party, currency, kind, amount, other)
        return {key: self.balance(*key) for key in net}


class LedgerMachine(RuleBasedStateMachine):
    sent = Bundle("sent")

    def __init__(self) -> None:
        super().__init__()
        self.run = unique("model")  # fresh users and keys for every generated sequence
        self.model = ModelLedger()
        self.system_at_start: dict[tuple[str, str], Decimal] = {}
        # The service's clock, frozen here and moved only by advance_clock (and 1 ms per step, so entries
        # have distinct instants): expiry is then checked to the millisecond.
        self.service = wallet.default_service()
        self.real_clock = self.service._clock
        # A day back: however far the steps move it, this clock stays behind the real one, so every hold
        # of the run has expired by the time the module's reconciliation reads the table.
        self.start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
        self.offset_ms = 0
        self.service._clock = lambda: self.start + timedelta(milliseconds=self.offset_ms)
        self._tick(0)

    def _tick(self, milliseconds: int = 1) -> None:
        self.offset_ms += milliseconds
        moment = self.start + timedelta(milliseconds=self.offset_ms)
        self.model.now_ms = int(moment.timestamp() * 1000)
        self.model.now = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def teardown(self) -> None:
        self.service._clock = self.real_clock

    def user_id(self, name: str) -> str:
        return f"{self.run}-{name}"

    def _send(self, route: Any, body: dict[str, Any]) -> Sent:
        if route is postings:
            self._tick()
            result = invoke(postings, with_body("postings-order", body))
            return Sent(body["idempotentKey"], route, body, result.status, result.raw_body)
        event = (
            transaction_event(body["idempotentKey"], body["userId"], body["amount"], body["type"], **_extras(body))
            if route is transact
            else transfer_event(
                body["idempotentKey"], body["fromUserId"], body["toUserId"], body["amount"], **_extras(body)
            )
        )
        self._tick()
        result = invoke(route, event)
        return Sent(body["idempotentKey"], route, body, result.status, result.raw_body)

    def _system_balance(self, account: str, currency: str) -> Decimal:
        return wallet.get_system_balance(account, currency).balance

    def _remember_system_before(self, currency: str) -> None:
        for account in SYSTEM_ACCOUNTS:
            if (account, currency) not in self.system_at_start:
                self.system_at_start[(account, currency)] = self._system_balance(account, currency)

    @rule(
        target=sent,
        name=st.sampled_from(USERS),
        currency=st.sampled_from(list(ASSETS)),
        amount=AMOUNTS,
        type=st.sampled_from(["credit", "debit"]),
        counterparty=st.none() | st.sampled_from(SYSTEM_ACCOUNTS),
        metadata=METADATA,
        description=st.none() | st.text("xyz ", min_size=1, max_size=10),
    )
    def move(self, name, currency, amount, type, counterparty, metadata, description):
        self._remember_system_before(currency)
        body = {
            "idempotentKey": unique(f"{self.run}-k"),
            "userId": self.user_id(name),
            "amount": money(amount, currency),
            "type": type,
            "currency": currency,
        }
        body |= {"counterparty": counterparty} if counterparty else {}
        body |= {"metadata": metadata} if metadata else {}
        body |= {"description": description.strip()} if description and description.strip() else {}
        sent = self._send(transact, body)
        expected = self.model.transact(name, currency, amount, type, counterparty or _default_counterparty(type))
        if expected is None:
            assert sent.status == 409, sent.raw_body
        else:
            assert sent.status == 201, sent.raw_body
            answer = json.loads(sent.raw_body)
            assert (answer["balance"], answer["amount"], answer["currency"]) == (
                money(expected, currency),
                money(amount, currency),
                currency,
            )
            assert answer["counterparty"] == (counterparty or _default_counterparty(type))
            assert answer["metadata"] == (metadata or None)
            other = counterparty or _default_counterparty(type)
            self.model.movements[answer["transactionId"]] = ModelMovement(type, name, other, currency, amount)
        return sent

    @rule(target=sent, pair=st.permutations(USERS), currency=st.sampled_from(list(ASSETS)), amount=AMOUNTS)
    def transfer(self, pair, currency, amount):
        self._remember_system_before(currency)
        source, target = pair[0], pair[1]
        body = {
            "idempotentKey": unique(f"{self.run}-t"),
            "fromUserId": self.user_id(source),
            "toUserId": self.user_id(target),
            "amount": money(amount, currency),
            "currency": currency,
        }
        sent = self._send(transfer, body)
        expected = self.model.transfer(source, target, currency, amount)
        if expected is None:
            assert sent.status == 409, sent.raw_body
        else:
            assert sent.status == 201, sent.raw_body
            answer = json.loads(sent.raw_body)
            assert (answer["fromBalance"], answer["toBalance"]) == (
                money(expected[0], currency),
                money(expected[1], currency),
            )
            self.model.movements[answer["transferId"]] = ModelMovement("transfer", source, target, currency, amount)
        return sent

    @rule(
        target=sent,
        items=st.lists(
            st.tuples(
                st.sampled_from(USERS + SYSTEM_ACCOUNTS),
                st.sampled_from(USERS + SYSTEM_ACCOUNTS),
                st.sampled_from(list(ASSETS)),
                AMOUNTS,
            ).filter(lambda item: item[0] != item[1] and (item[0] in USERS or item[1] in USERS)),
            min_size=1,
            max_size=4,
        ),
    )
    def post_many(self, items):
        for currency in {item[2] for item in items}:
            self._remember_system_before(currency)
        side = lambda name: {"systemAccount": name} if name in SYSTEM_ACCOUNTS else {"userId": self.user_id(name)}  # noqa: E731
        body = {
            "idempotentKey": unique(f"{self.run}-p"),
            "postings": [
                {"from": side(source), "to": side(target), "amount": money(amount, currency), "currency": currency}
                for source, target, currency, amount in items
            ],
        }
        sent = self._send(postings, body)
        expected = self.model.post(items)
        if expected is None:
            assert sent.status == 409, sent.raw_body
        else:
            assert sent.status == 201, sent.raw_body
            answer = json.loads(sent.raw_body)
            assert {(b["userId"], b["currency"]): b["balance"] for b in answer["balances"]} == {
                (self.user_id(user), currency): money(after, currency) for (user, currency), after in expected.items()
            }
            self.model.movements[answer["transactionId"]] = ModelMovement(
                "postings", items[0][0], items[0][1], items[0][2], 1, postings=list(items)
            )
        return sent

    @rule(target=sent, name=st.sampled_from(USERS), offset=st.integers(min_value=-1, max_value=1))
    def debit_around_the_whole_balance(self, name, offset):
        """The boundary: a debit of the balance minus one unit, the balance exactly, or one unit more."""
        self._remember_system_before("USD")
        amount = max(1, self.model.balance(name, "USD") + offset)
        body = {
            "idempotentKey": unique(f"{self.run}-b"),
            "userId": self.user_id(name),
            "amount": money(amount, "USD"),
            "type": "debit",
        }
        sent = self._send(transact, body)
        expected = self.model.transact(name, "USD", amount, "debit", "revenue")
        assert sent.status == (409 if expected is None else 201), sent.raw_body
        if expected is not None:
            movement = ModelMovement("debit", name, "revenue", "USD", amount)
            self.model.movements[json.loads(sent.raw_body)["transactionId"]] = movement
        return sent

    @rule(earlier=sent)
    def replay(self, earlier):
        if earlier.route not in (transact, transfer, postings):
            return  # hold answers show the hold's status as of their time: compared in their own rules
        again = self._send(earlier.route, earlier.body)
        assert (again.status, again.raw_body) == (earlier.status, earlier.raw_body)

    # --- holds -------------------------------------------------------------------------------------

    @rule(
        name=st.sampled_from(USERS),
        currency=st.sampled_from(list(ASSETS)),
        amount=AMOUNTS,
        ttl=st.sampled_from([60, 120, 600]),
    )
    def place_hold(self, name, currency, amount, ttl):
        self._remember_system_before(currency)
        self._tick()
        body = {
            "idempotentKey": unique(f"{self.run}-h"),
            "userId": self.user_id(name),
            "amount": money(amount, currency),
        }
        result = invoke(holds, with_body("hold-place", body | {"currency": currency, "expiresInSeconds": ttl}))
        if self.model.available(name, currency) < amount:
            assert result.status == 409, result.raw_body
            return
        assert result.status == 201, result.raw_body
        self.model.touch(name, currency)
        hold = ModelHold(name, currency, amount, self.model.now_ms + ttl * 1000)
        self.model.holds[result.body["holdId"]] = hold
        assert result.body["available"] == money(self.model.available(name, currency), currency)

    @precondition(lambda self: self.model.holds)
    @rule(
        data=st.data(),
        fraction=st.sampled_from([None, 1, 2]),
        to=st.none() | st.sampled_from(["promotions"]) | st.sampled_from(USERS),
    )
    def capture_hold(self, data, fraction, to):
        hold_id = _pick(data, self.model.holds)
        hold = self.model.holds[hold_id]
        self._remember_system_before(hold.currency)
        amount = hold.amount if fraction is None else max(1, hold.amount // (fraction + 1))
        body: dict[str, Any] = {"idempotentKey": unique(f"{self.run}-c")}
        if fraction is not None:
            body["amount"] = money(amount, hold.currency)
        if to == hold.user:
            to = None
        if to in USERS:
            body["toUserId"] = self.user_id(to)
        elif to:
            body["counterparty"] = to
        self._tick()
        result = invoke(holds, hold_event("hold-capture", hold_id, body))
        if self._refused_as_ended(hold, result):
            return
        assert result.status == 200, result.raw_body
        if to in USERS:
            after = self.model.transfer(hold.user, to, hold.currency, amount, releasing=hold.amount)
            movement = ModelMovement("transfer", hold.user, to, hold.currency, amount)
        else:
            after = self.model.transact(hold.user, hold.currency, amount, "debit", to or "revenue", hold.amount)
            movement = ModelMovement("debit", hold.user, to or "revenue", hold.currency, amount)
        assert after is not None
        hold.status = "captured"
        assert (result.body["status"], result.body["capturedAmount"]) == ("captured", money(amount, hold.currency))
        self.model.movements[result.body["transactionId"]] = movement

    @precondition(lambda self: self.model.holds)
    @rule(data=st.data())
    def void_hold(self, data):
        hold_id = _pick(data, self.model.holds)
        hold = self.model.holds[hold_id]
        self._tick()
        result = invoke(holds, hold_event("hold-void", hold_id, {"idempotentKey": unique(f"{self.run}-v")}))
        if self._refused_as_ended(hold, result):
            return
        assert result.status == 200 and result.body["status"] == "voided", result.raw_body
        hold.status = "voided"

    def _refused_as_ended(self, hold: ModelHold, result) -> bool:
        """A hold that ended or expired is refused with the right code; True if it was."""
        if hold.status != "pending":
            assert result.status == 409 and result.body["error"]["code"] == "HOLD_NOT_PENDING", result.raw_body
            return True
        if self.model.now_ms >= hold.expires_ms:
            assert result.status == 409 and result.body["error"]["code"] == "HOLD_EXPIRED", result.raw_body
            return True
        return False

    @rule(seconds=st.sampled_from([1, 59, 60, 61, 300]))
    def advance_clock(self, seconds):
        self._tick(seconds * 1000)

    # --- reversals ---------------------------------------------------------------------------------

    @precondition(lambda self: self.model.movements)
    @rule(data=st.data(), part=st.sampled_from([None, 2, 3]))
    def reverse(self, data, part):
        movement_id = _pick(data, self.model.movements)
        movement = self.model.movements[movement_id]
        for currency in {movement.currency, *(item[2] for item in movement.postings)}:
            self._remember_system_before(currency)
        left = movement.amount - movement.reversed
        amount = left if part is None else max(1, movement.amount // part)
        body: dict[str, Any] = {} if part is None else {"amount": money(amount, movement.currency)}
        self._tick()
        result = invoke(reversal, reversal_event(movement_id, unique(f"{self.run}-r"), **body))
        if movement.kind == "postings":  # reversed whole, once: every posting back in one transaction
            if part is not None:
                assert result.status == 409 and result.body["error"]["code"] == "REVERSAL_WHOLE_ONLY", result.raw_body
                return
            if movement.reversed:
                assert result.status == 409 and result.body["error"]["code"] == "REVERSAL_EXCEEDS_ORIGINAL"
                return
            swapped = [(target, source, currency, amount) for source, target, currency, amount in movement.postings]
            if self.model.post(swapped) is None:
                assert result.status == 409 and result.body["error"]["code"] == "INSUFFICIENT_FUNDS", result.raw_body
                return
            assert result.status == 201, result.raw_body
            movement.reversed = 1
            return
        if left == 0 or amount > left:
            assert result.status == 409 and result.body["error"]["code"] == "REVERSAL_EXCEEDS_ORIGINAL", result.raw_body
            return
        if movement.kind == "transfer":
            after = self.model.transfer(movement.other, movement.user, movement.currency, amount)
        else:
            back = "debit" if movement.kind == "credit" else "credit"
            after = self.model.transact(movement.user, movement.currency, amount, back, movement.other)
        if after is None:
            assert result.status == 409 and result.body["error"]["code"] == "INSUFFICIENT_FUNDS", result.raw_body
            return
        assert result.status == 201, result.raw_body
        movement.reversed += amount

    # --- point in time -----------------------------------------------------------------------------

    @rule(name=st.sampled_from(USERS), currency=st.sampled_from(list(ASSETS)), data=st.data())
    def read_balance_at_an_earlier_instant(self, name, currency, data):
        entries = self.model.ledger.get((name, currency), [])
        instants = sorted({entry[4] for entry in entries}) or [self.model.now]
        at = data.draw(st.sampled_from(instants))
        expected = [entry[2] for entry in entries if entry[4] <= at]
        result = invoke(balance, user_event("balance", self.user_id(name), {"currency": currency, "at": at}))
        assert result.status == 200, result.raw_body
        assert result.body["balance"] == money(expected[-1] if expected else ASSETS[currency][1], currency)

    @rule(earlier=sent, change=st.sampled_from(["amount", "currency", "route", "metadata"]))
    def reuse_key_with_other_payload(self, earlier, change):
        body = dict(earlier.body)
        route = earlier.route
        if route is postings:
            body["description"] = "changed"
        elif change == "amount":
            scale = ASSETS[body.get("currency", "USD")][0]
            body["amount"] = format(Decimal(body["amount"]) + Decimal(1).scaleb(-scale), "f")
        elif change == "currency":
            body["currency"] = "EUR" if body.get("currency", "USD") != "EUR" else "USD"
            body["amount"] = "1"
        elif change == "metadata":
            body["metadata"] = {"changed": "yes"}
        elif route is transact:
            route, body = (
                transfer,
                {
                    "idempotentKey": earlier.key,
                    "fromUserId": body["userId"],
                    "toUserId": self.user_id("carol") if not body["userId"].endswith("carol") else self.user_id("bob"),
                    "amount": body["amount"],
                    "currency": body.get("currency", "USD"),
                },
            )
        else:
            route, body = (
                transact,
                {
                    "idempotentKey": earlier.key,
                    "userId": body["fromUserId"],
                    "amount": body["amount"],
                    "type": "debit",
                    "currency": body["currency"],
                },
            )
        result = self._send(route, body)
        assert result.status == 422, result.raw_body
        assert json.loads(result.raw_body)["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"

    @rule()
    def expire_response_cache(self):
        """The Powertools records expire: the ledger alone must still answer every key the same way."""
        Store(dynamodb_client()).delete_powertools_records()

    @rule(name=st.sampled_from(USERS))
    def read_balances(self, name):
        result = invoke(balances, user_event("balances", self.user_id(name)))
        assert result.status == 200
        heads = [balance.pop("head") for balance in result.body["balances"]]
        assert result.body["balances"] == [
            {
                "currency": code,
                "balance": money(self.model.balance(name, code), code),
                "held": money(self.model.held(name, code), code),
                "available": money(self.model.available(name, code), code),
            }
            for code in ASSETS
        ]
        for code, head in zip(ASSETS, heads, strict=True):
            assert head["sequence"] == len(self.model.ledger.get((name, code), []))
            assert head["hash"] == GENESIS_HASH if head["sequence"] == 0 else head["hash"] != GENESIS_HASH

    @rule(name=st.sampled_from(USERS), currency=st.sampled_from(list(ASSETS)))
    def read_balance(self, name, currency):
        result = invoke(balance, user_event("balance", self.user_id(name), {"currency": currency}))
        assert result.status == 200
        assert (result.body["balance"], result.body["held"], result.body["available"]) == (
            money(self.model.balance(name, currency), currency),
            money(self.model.held(name, currency), currency),
            money(self.model.available(name, currency), currency),
        )

    @rule(name=st.sampled_from(USERS), currency=st.sampled_from(list(ASSETS)), limit=st.integers(1, 4))
    def read_history(self, name, currency, limit):
        items, cursor = [], None
        while True:
            query = {"limit": str(limit), "currency": currency} | ({"cursor": cursor} if cursor else {})
            result = invoke(history, user_event("history", self.user_id(name), query))
            assert result.status == 200
            items += result.body["items"]
            cursor = result.body["nextCursor"]
            if cursor is None:
                break
        expected = [
            (
                type,
                money(amount, currency),
                money(after, currency),
                counterparty if counterparty in SYSTEM_ACCOUNTS else self.user_id(counterparty),
            )
            for type, amount, after, counterparty, _ in reversed(self.model.ledger.get((name, currency), []))
        ]
        assert [
            (item["type"], item["amount"], item["balanceAfter"], item["counterparty"]) for item in items
        ] == expected
        previous = GENESIS_HASH  # the account's chain, recomputed from its history alone
        for sequence, item in enumerate(reversed(items), start=1):
            assert (item["sequence"], item["previousHash"]) == (sequence, previous)
            assert hash_fields(item, previous) == item["hash"]
            previous = item["hash"]
        head = invoke(balance, user_event("balance", self.user_id(name), {"currency": currency})).body["head"]
        assert head == {"sequence": len(items), "hash": previous}

    @invariant()
    def system_accounts_match_the_model_and_the_books_balance(self):
        for account, currency in sorted(self.model.touched):
            moved = self._system_balance(account, currency) - self.system_at_start[(account, currency)]
            assert moved == Decimal(self.model.system[(account, currency)]).scaleb(-ASSETS[currency][0])
        self.model.touched.clear()
        for currency in ASSETS:
            users = sum(value for (_, code), value in self.model.balances.items() if code == currency)
            system = sum(value for (_, code), value in self.model.system.items() if code == currency)
            assert users + system == 0, f"{currency} books off by {users + system}"

    @invariant()
    def every_balance_held_and_available_matches_the_model(self):
        for name in USERS:
            if any(user == name for user, _ in self.model.balances):
                self.read_balances(name)

    @invariant()
    def balances_and_available_never_negative(self):
        assert all(value >= 0 for value in self.model.balances.values())
        assert all(self.model.available(user, currency) >= 0 for user, currency in self.model.balances)


def _pick(data: Any, found: dict[str, Any]) -> str:
    """One of the ids, by position in the order they appeared: ids are random, positions replay alike."""
    ids = list(found)
    return ids[data.draw(st.integers(min_value=0, max_value=len(ids) - 1))]


def _default_counterparty(type: str) -> str:
    return "treasury" if type == "credit" else "revenue"


def _extras(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body[name] for name in ("currency", "counterparty", "description", "metadata") if name in body}


LedgerMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_ledger_matches_the_model = LedgerMachine.TestCase


class BatchedLedgerMachine(LedgerMachine):
    """The same sequences with every credit, debit and transfer committed through group commit: each joins
    the queue of its account (a transfer its payee's, as payments reach a merchant), and the caller takes
    the lease and commits the queue itself. Holds, captures and reversals keep the direct path."""

    def __init__(self) -> None:
        super().__init__()
        self.service._hot_account = lambda planner, _accounts, _now: (  # type: ignore[method-assign]
            planner.account_keys[-1] if planner.batchable else None
        )
        queued = self.service._queued
        self.queued: set[str] = set()
        self.applied: set[str] = set()

        def counted(command: Any, account: Any) -> Any:
            self.queued.add(command.idempotent_key)
            return queued(command, account)

        self.service._queued = counted  # type: ignore[method-assign]

    def _send(self, route: Any, body: dict[str, Any]) -> Sent:
        sent = super()._send(route, body)
        if sent.status == 201:
            self.applied.add(sent.key)
        return sent

    def teardown(self) -> None:
        del self.service._hot_account
        del self.service._queued
        super().teardown()
        assert self.applied <= self.queued, "every credit, debit and transfer applied went through the queue"


BatchedLedgerMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_ledger_matches_the_model_through_group_commit = BatchedLedgerMachine.TestCase
