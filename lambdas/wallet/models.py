"""Domain records. Amounts are integer minor units inside the service, Decimal at its edges."""

import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from wallet.money import to_decimal


class EntryType(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"

    @property
    def sign(self) -> int:
        """+1 if the entry adds to the user's balance, -1 if it takes from it."""
        return 1 if self in (EntryType.CREDIT, EntryType.TRANSFER_IN) else -1


# Kept for the Python API's callers: credits and debits are the two transaction types.
MovementType = EntryType


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    DECLINED = "DECLINED"


@dataclass(frozen=True)
class Account:
    """A user's balance in one asset. version counts the ledger entries applied so far (0: never written)."""

    user_id: str
    currency: str
    balance_minor: int
    version: int
    updated_at: str = ""  # createdAt of the last entry: the next one may not be earlier


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


Command = TransactionCommand | TransferCommand | ReversalCommand


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


@dataclass(frozen=True)
class Balance:
    user_id: str
    balance: Decimal
    currency: str


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
class HistoryPage:
    entries: list[LedgerEntry]
    next_cursor: str | None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
