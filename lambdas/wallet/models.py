"""Domain records. Amounts are integer minor units inside the service, Decimal at its edges."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from wallet.money import from_minor


class MovementType(StrEnum):
    CREDIT = "credit"
    DEBIT = "debit"


class Outcome(StrEnum):
    APPLIED = "APPLIED"
    DECLINED = "DECLINED"


@dataclass(frozen=True)
class Account:
    """A user's balance in one currency. version counts the ledger entries applied so far."""

    user_id: str
    currency: str
    balance_minor: int
    version: int


@dataclass(frozen=True)
class Movement:
    """A validated request to move money, as the caller sent it."""

    idempotent_key: str
    user_id: str
    type: MovementType
    amount_minor: int
    currency: str

    def signed_minor(self) -> int:
        return self.amount_minor if self.type is MovementType.CREDIT else -self.amount_minor


@dataclass(frozen=True)
class LedgerEntry:
    """An applied movement. Immutable once written; sequence orders a user's entries."""

    transaction_id: str
    idempotent_key: str
    user_id: str
    currency: str
    type: MovementType
    amount_minor: int
    balance_after_minor: int
    sequence: int
    created_at: str

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor)

    @property
    def balance_after(self) -> Decimal:
        return from_minor(self.balance_after_minor)


@dataclass(frozen=True)
class KeyRecord:
    """The permanent answer for an idempotency key: the entry it applied, or the decline."""

    movement: Movement
    outcome: Outcome
    created_at: str
    entry: LedgerEntry | None = None


@dataclass(frozen=True)
class Balance:
    user_id: str
    balance: Decimal
    currency: str


@dataclass(frozen=True)
class TransactionResult:
    entry: LedgerEntry
    replayed: bool


@dataclass(frozen=True)
class HistoryPage:
    entries: list[LedgerEntry]
    next_cursor: str | None
