"""Domain records. Amounts are integer minor units inside the service, Decimal at its edges."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from wallet.money import format_amount, to_decimal


class EntryType(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"

    @property
    def sign(self) -> int:
        """+1 if the entry adds to the user's balance, -1 if it takes from it."""
        return 1 if self in (EntryType.CREDIT, EntryType.TRANSFER_IN) else -1


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    DECLINED = "DECLINED"


@dataclass(frozen=True)
class Account:
    """A user's balance in one asset.

    version counts the writes of the balance item (0: never written), entry_count its ledger entries;
    holds maps each hold placed on it and not yet ended to (amount, expiry in epoch milliseconds)."""

    user_id: str
    currency: str
    balance_minor: int
    version: int
    updated_at: str = ""  # createdAt of the last entry: the next one may not be earlier
    entry_count: int = -1  # -1: as many as version (items written before holds existed)
    holds: dict[str, tuple[int, int]] = field(default_factory=dict)
    rate_tat_us: int = 0  # the rate limit's theoretical arrival time (epoch microseconds; 0: at rest)
    hot_until_ms: int = 0  # until when movements join its group-commit queue at once (epoch ms; 0: never)
    head_hash: str | None = None  # the hash of its last chained entry (None: no entry chained yet)

    @property
    def entries(self) -> int:
        return self.version if self.entry_count < 0 else self.entry_count

    def held_minor(self, now_ms: int) -> int:
        """The sum of the holds still pending at now_ms: a hold stops counting the instant it expires."""
        return sum(amount for amount, expires_ms in self.holds.values() if expires_ms > now_ms)

    def available_minor(self, now_ms: int) -> int:
        return self.balance_minor - self.held_minor(now_ms)

    def live_holds(self, now_ms: int) -> dict[str, tuple[int, int]]:
        return {hold_id: hold for hold_id, hold in self.holds.items() if hold[1] > now_ms}


AccountKey = tuple[str, str]  # (user_id, currency)


@dataclass(frozen=True)
class TransactionCommand:
    """A validated credit or debit, with every default applied."""

    idempotent_key: str
    user_id: str
    type: EntryType
    amount_minor: int
    currency: str
    counterparty: str
    description: str | None
    metadata: dict[str, str] | None

    operation = "transaction"


@dataclass(frozen=True)
class TransferCommand:
    """A validated transfer between two users, with every default applied."""

    idempotent_key: str
    from_user_id: str
    to_user_id: str
    amount_minor: int
    currency: str
    description: str | None
    metadata: dict[str, str] | None

    operation = "transfer"


@dataclass(frozen=True)
class ReversalCommand:
    """A validated reversal of an earlier movement; amount is the normalised text, None for all that is left
    (its scale is checked once the movement, and so its asset, is known)."""

    idempotent_key: str
    transaction_id: str
    amount: str | None
    description: str | None

    operation = "reversal"


@dataclass(frozen=True)
class HoldCommand:
    """A validated request to hold money on a user's account until it is captured, voided or expires."""

    idempotent_key: str
    user_id: str
    amount_minor: int
    currency: str
    expires_in_seconds: int
    description: str | None
    metadata: dict[str, str] | None

    operation = "hold"


@dataclass(frozen=True)
class CaptureCommand:
    """Capture (part of) a hold: to a system account (counterparty) or to another user (to_user_id)."""

    idempotent_key: str
    hold_id: str
    amount: str | None  # normalised text; None: all of it
    counterparty: str | None
    to_user_id: str | None

    operation = "capture"


@dataclass(frozen=True)
class VoidCommand:
    idempotent_key: str
    hold_id: str

    operation = "void"


@dataclass(frozen=True)
class ExpireCommand:
    """Marks a pending hold past its expiry as expired (the nightly sweep); the key is derived from the hold."""

    idempotent_key: str
    hold_id: str

    operation = "expire"


@dataclass(frozen=True)
class Party:
    """One side of a posting: a user's account (user_id) or a configured system account (system_account)."""

    user_id: str | None = None
    system_account: str | None = None

    @property
    def name(self) -> str:
        return self.user_id if self.user_id is not None else str(self.system_account)

    def to_json(self) -> dict[str, str]:
        return {"userId": self.user_id} if self.user_id is not None else {"systemAccount": str(self.system_account)}


@dataclass(frozen=True)
class Posting:
    """amount_minor of currency leaves source and reaches target."""

    source: Party
    target: Party
    amount_minor: int
    currency: str

    def to_json(self, scale: int) -> dict[str, Any]:
        """As requests, answers and events show it: the amount at its asset's scale."""
        return {
            "from": self.source.to_json(),
            "to": self.target.to_json(),
            "amount": format_amount(self.amount_minor, scale),
            "currency": self.currency,
        }


@dataclass(frozen=True)
class PostingsCommand:
    """A validated transaction of many postings: all of them commit together, or none does."""

    idempotent_key: str
    postings: tuple[Posting, ...]
    description: str | None
    metadata: dict[str, str] | None

    operation = "postings"

    def user_accounts(self) -> list["AccountKey"]:
        """Every user account a posting touches, in the order they first appear."""
        keys: dict[AccountKey, None] = {}
        for posting in self.postings:
            for party in (posting.source, posting.target):
                if party.user_id is not None:
                    keys[(party.user_id, posting.currency)] = None
        return list(keys)

    def net_minor(self) -> dict["AccountKey", int]:
        """What the postings add to each user account together (negative: a net outflow)."""
        net = dict.fromkeys(self.user_accounts(), 0)
        for posting in self.postings:
            if posting.source.user_id is not None:
                net[(posting.source.user_id, posting.currency)] -= posting.amount_minor
            if posting.target.user_id is not None:
                net[(posting.target.user_id, posting.currency)] += posting.amount_minor
        return net


Command = (
    TransactionCommand
    | TransferCommand
    | ReversalCommand
    | HoldCommand
    | CaptureCommand
    | VoidCommand
    | ExpireCommand
    | PostingsCommand
)


class HoldStatus(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    VOIDED = "voided"
    EXPIRED = "expired"  # a pending hold past its expiry; stored once the nightly sweep has marked it


@dataclass(frozen=True)
class Hold:
    hold_id: str
    idempotent_key: str
    user_id: str
    currency: str
    scale: int
    amount_minor: int
    expires_at_ms: int
    created_at: str
    stored_status: HoldStatus
    description: str | None = None
    metadata: dict[str, str] | None = None
    captured_minor: int = 0
    transaction_id: str | None = None  # the capture's movement
    captured_to: str | None = None  # the system account or user the capture paid
    ended_at: str | None = None
    available_after_minor: int | None = None  # the account's available balance right after the hold was placed

    def status(self, now_ms: int) -> HoldStatus:
        if self.stored_status is HoldStatus.PENDING and now_ms >= self.expires_at_ms:
            return HoldStatus.EXPIRED
        return self.stored_status

    @property
    def expires_at(self) -> str:
        moment = datetime.fromtimestamp(self.expires_at_ms / 1000, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class LedgerEntry:
    """One leg of an applied movement on a user's account. Immutable; sequence orders a user's entries."""

    transaction_id: str
    idempotent_key: str
    user_id: str
    currency: str
    scale: int
    type: EntryType
    amount_minor: int
    balance_after_minor: int
    sequence: int
    created_at: str
    counterparty: str  # a system account, or the other user of a transfer
    description: str | None = None
    metadata: dict[str, str] | None = None
    transfer_id: str | None = None
    reversal_of: str | None = None  # the movement this entry reverses
    hold_id: str | None = None  # the hold this entry captures
    previous_hash: str | None = None  # the hash chain (wallet.chain); None only on entries written before it
    hash: str | None = None

    @property
    def amount(self) -> Decimal:
        return to_decimal(self.amount_minor, self.scale)

    @property
    def balance_after(self) -> Decimal:
        return to_decimal(self.balance_after_minor, self.scale)


@dataclass(frozen=True)
class SystemEntry:
    """One leg of a movement on a system account, appended as its own item so no two movements share one.

    amount_minor is signed as it changes the system account (a credit to a user is negative here).
    leg is "movement", or "opening:<userId>" when the treasury issues a user's opening balance."""

    account: str
    currency: str
    bucket: int
    amount_minor: int
    transaction_id: str
    leg: str
    user_id: str
    idempotent_key: str
    created_at: str


@dataclass(frozen=True)
class KeyRecord:
    """The permanent answer for an idempotency key: the entries it applied, or the decline.

    request is the canonical JSON of the command (every default applied); a key sent again with
    a different request, on any route, is refused."""

    idempotent_key: str
    request: str
    outcome: Outcome
    created_at: str
    entries: tuple[LedgerEntry, ...] = ()
    reversed_minor: int = 0  # how much of this key's movement later reversals have moved back
    hold: "Hold | None" = None  # for a hold, capture or void: the hold as the answer showed it
    declined_because: str | None = None  # a decline whose message came from the balances read (postings)


@dataclass(frozen=True)
class Balance:
    user_id: str
    balance: Decimal  # posted
    currency: str
    held: Decimal | None = None  # pending, unexpired holds (None for a balance at a past instant)
    available: Decimal | None = None  # balance - held
    head_sequence: int | None = None  # the account's chain head (None for a past instant)
    head_hash: str | None = None  # None: no entry chained yet


@dataclass(frozen=True)
class HoldResult:
    hold: Hold
    as_of_ms: int  # the instant the answer describes (a replay shows the hold as it was then)
    replayed: bool
    entries: tuple[LedgerEntry, ...] = ()  # a capture's ledger entries

    @property
    def status(self) -> HoldStatus:
        return self.hold.status(self.as_of_ms)


@dataclass(frozen=True)
class HoldPage:
    holds: list[Hold]
    as_of_ms: int
    next_cursor: str | None


@dataclass(frozen=True)
class SystemBalance:
    account: str
    currency: str
    balance: Decimal


@dataclass(frozen=True)
class TransactionResult:
    entry: LedgerEntry
    replayed: bool


@dataclass(frozen=True)
class TransferResult:
    out_entry: LedgerEntry
    in_entry: LedgerEntry
    replayed: bool

    @property
    def transfer_id(self) -> str:
        return self.out_entry.transaction_id


@dataclass(frozen=True)
class ReversalResult:
    entries: tuple[LedgerEntry, ...]
    replayed: bool

    @property
    def transaction_id(self) -> str:
        return self.entries[0].transaction_id


@dataclass(frozen=True)
class PostingsResult:
    """A postings transaction's answer: its postings as applied and the entries they wrote (one per user
    side of each posting, in posting order)."""

    postings: tuple[Posting, ...]
    entries: tuple[LedgerEntry, ...]
    replayed: bool

    @property
    def transaction_id(self) -> str:
        return self.entries[0].transaction_id

    def balances(self) -> list[LedgerEntry]:
        """Each user account's last entry here: its balance right after the transaction."""
        last: dict[AccountKey, LedgerEntry] = {}
        for entry in self.entries:
            last[(entry.user_id, entry.currency)] = entry
        return list(last.values())


@dataclass(frozen=True)
class Movement:
    """Any applied movement, read back by its id: what it was (type: credit, debit, transfer, capture,
    reversal or postings), its postings, its entries, and how much of it has been reversed per asset."""

    type: str
    postings: tuple[Posting, ...]
    entries: tuple[LedgerEntry, ...]
    idempotent_key: str
    created_at: str
    description: str | None
    metadata: dict[str, str] | None
    reversed_minor: dict[str, int]  # asset -> amount moved back by reversals

    @property
    def transaction_id(self) -> str:
        return self.entries[0].transaction_id

    @property
    def reversal_of(self) -> str | None:
        return self.entries[0].reversal_of


@dataclass(frozen=True)
class HistoryPage:
    entries: list[LedgerEntry]
    next_cursor: str | None


def posting_of(entry: LedgerEntry) -> Posting:
    """The posting a credit, debit or transfer_out entry records (a transfer_in is the same posting's other
    side)."""
    user = Party(user_id=entry.user_id)
    if entry.type is EntryType.CREDIT:
        return Posting(Party(system_account=entry.counterparty), user, entry.amount_minor, entry.currency)
    if entry.type is EntryType.DEBIT:
        return Posting(user, Party(system_account=entry.counterparty), entry.amount_minor, entry.currency)
    return Posting(user, Party(user_id=entry.counterparty), entry.amount_minor, entry.currency)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
