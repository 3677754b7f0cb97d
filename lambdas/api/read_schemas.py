"""Answers of the read routes: balances, history, system accounts.

Kept apart from the movement routes' models so a function builds only the pydantic models its routes use.
"""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import (
    HASH_PATTERN,
    EntryTypeName,
    Hash,
    Money,
    PostingAnswer,
    posting_answer,
)
from wallet.models import Balance, LedgerEntry, Movement
from wallet.money import format_amount

HEAD = (
    "The account's hash chain so far: its last entry's sequence and hash (sequence 0 and 64 zeros before its "
    "first entry; hash null for an account whose entries predate the chain until its chain starts). Null for a "
    "balance at a past instant."
)


class ChainHead(BaseModel):
    sequence: int = Field(ge=0)
    hash: str | None = Field(pattern=HASH_PATTERN)


HELD = "The sum of pending, unexpired holds (null for a balance at a past instant)."
AVAILABLE = "balance - held: what debits, transfers and new holds may use (null for a past instant)."


class BalanceResponse(BaseModel):
    userId: str
    balance: Money = Field(description="The posted balance.")
    currency: str = Field(examples=["USD"])
    held: Money | None = Field(default=None, description=HELD)
    available: Money | None = Field(default=None, description=AVAILABLE)
    head: ChainHead | None = Field(default=None, description=HEAD)

    @classmethod
    def from_balance(cls, balance: Balance) -> "BalanceResponse":
        return cls(
            userId=balance.user_id,
            currency=balance.currency,
            head=_head(balance),
            **_amounts(balance),  # type: ignore[arg-type]
        )


class CurrencyBalance(BaseModel):
    currency: str = Field(examples=["USD"])
    balance: Money
    held: Money | None = Field(default=None, description=HELD)
    available: Money | None = Field(default=None, description=AVAILABLE)
    head: ChainHead | None = Field(default=None, description=HEAD)

    @classmethod
    def from_balance(cls, balance: Balance) -> "CurrencyBalance":
        return cls(currency=balance.currency, head=_head(balance), **_amounts(balance))  # type: ignore[arg-type]


def _head(balance: Balance) -> ChainHead | None:
    return None if balance.head_sequence is None else ChainHead(sequence=balance.head_sequence, hash=balance.head_hash)


def _amounts(balance: Balance) -> dict[str, str | None]:
    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return {"balance": format(balance.balance, "f"), "held": text(balance.held), "available": text(balance.available)}


class BalancesResponse(BaseModel):
    userId: str
    balances: list[CurrencyBalance]


class SystemCurrencyBalance(BaseModel):
    currency: str = Field(examples=["USD"])
    balance: Money = Field(description="May be negative: the treasury is minus everything it has issued.")


class SystemAccountBalances(BaseModel):
    name: str = Field(examples=["treasury"])
    balances: list[SystemCurrencyBalance]


class SystemAccountsResponse(BaseModel):
    accounts: list[SystemAccountBalances]


class SystemBalanceResponse(BaseModel):
    account: str = Field(examples=["treasury"])
    currency: str = Field(examples=["USD"])
    balance: Money = Field(description="May be negative: the treasury is minus everything it has issued.")


class AssetSum(BaseModel):
    currency: str = Field(examples=["USD"])
    sum: str = Field(description="Every user and system account of the asset added up: 0 when the books balance.")


class ReconciliationResponse(BaseModel):
    ranAt: str = Field(description="When the run started (RFC 3339).")
    clean: bool = Field(description="True when the run found no difference.")
    items: int = Field(ge=0, description="Items the run read.")
    unsettled: int = Field(ge=0, description="Items written during the run, left to the next one.")
    totals: list[AssetSum]
    differenceCount: int = Field(ge=0)
    differences: list[str] = Field(description="The first differences found, each in words.")


class HistoryItem(BaseModel):
    transactionId: str
    idempotentKey: str
    type: EntryTypeName
    amount: Money
    balanceAfter: Money = Field(description="The balance immediately after this entry.")
    currency: str
    counterparty: str = Field(description="The system account, or for a transfer the other user.")
    transferId: str | None = Field(description="For transfer_out and transfer_in: the transfer.")
    reversalOf: str | None = Field(description="For a reversal's entry: the movement it reverses.")
    holdId: str | None = Field(description="For a hold capture's entry: the hold.")
    description: str | None
    metadata: dict[str, str] | None
    createdAt: str
    userId: str
    sequence: int = Field(ge=1, description="1, 2, 3... per account and asset, no gaps.")
    previousHash: Hash | None = Field(description="The previous entry's hash (64 zeros for the first entry).")
    hash: Hash | None = Field(
        description="SHA-256 of this entry's fields and previousHash (docs/verifying.md); "
        "null only on entries written before the chain."
    )

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "HistoryItem":
        return cls(
            transactionId=entry.transaction_id,
            idempotentKey=entry.idempotent_key,
            type=entry.type.value,
            amount=format_amount(entry.amount_minor, entry.scale),
            balanceAfter=format_amount(entry.balance_after_minor, entry.scale),
            currency=entry.currency,
            counterparty=entry.counterparty,
            transferId=entry.transfer_id,
            reversalOf=entry.reversal_of,
            holdId=entry.hold_id,
            description=entry.description,
            metadata=entry.metadata,
            createdAt=entry.created_at,
            userId=entry.user_id,
            sequence=entry.sequence,
            previousHash=entry.previous_hash,
            hash=entry.hash,
        )


class HistoryResponse(BaseModel):
    items: list[HistoryItem]
    nextCursor: str | None = Field(description="Pass as cursor for older entries; null on the last page.")


class ReversedAmount(BaseModel):
    currency: str
    amount: Money


class MovementResponse(BaseModel):
    transactionId: str
    type: Literal["credit", "debit", "transfer", "capture", "reversal", "postings"]
    idempotentKey: str
    postings: list[PostingAnswer]
    entries: list[HistoryItem] = Field(description="Its ledger entries, each with its account's balance after it")
    reversalOf: str | None = Field(description="For a reversal: the movement it reverses")
    reversed: list[ReversedAmount] = Field(description="How much of it reversals have moved back, per asset")
    description: str | None
    metadata: dict[str, str] | None
    createdAt: str

    @classmethod
    def from_movement(cls, movement: Movement) -> "MovementResponse":
        scales = {entry.currency: entry.scale for entry in movement.entries}
        return cls(
            transactionId=movement.transaction_id,
            type=movement.type,  # type: ignore[arg-type]
            idempotentKey=movement.idempotent_key,
            postings=[posting_answer(posting, scales[posting.currency]) for posting in movement.postings],
            entries=[HistoryItem.from_entry(entry) for entry in movement.entries],
            reversalOf=movement.reversal_of,
            reversed=[
                ReversedAmount(currency=currency, amount=format_amount(minor, scales[currency]))
                for currency, minor in sorted(movement.reversed_minor.items())
            ],
            description=movement.description,
            metadata=movement.metadata,
            createdAt=movement.created_at,
        )
