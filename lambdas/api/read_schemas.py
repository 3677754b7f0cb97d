"""Answers of the read routes: balances, history, system accounts.

Kept apart from the movement routes' models so a function builds only the pydantic models its routes use.
"""

from decimal import Decimal

from pydantic import BaseModel, Field

from api.schemas import (
    EntryTypeName,
    Money,
)
from wallet.models import Balance, LedgerEntry
from wallet.money import format_amount

HELD = "The sum of pending, unexpired holds (null for a balance at a past instant)."
AVAILABLE = "balance - held: what debits, transfers and new holds may use (null for a past instant)."


class BalanceResponse(BaseModel):
    userId: str
    balance: Money = Field(description="The posted balance.")
    currency: str = Field(examples=["USD"])
    held: Money | None = Field(default=None, description=HELD)
    available: Money | None = Field(default=None, description=AVAILABLE)

    @classmethod
    def from_balance(cls, balance: Balance) -> "BalanceResponse":
        return cls(userId=balance.user_id, currency=balance.currency, **_amounts(balance))  # type: ignore[arg-type]


class CurrencyBalance(BaseModel):
    currency: str = Field(examples=["USD"])
    balance: Money
    held: Money | None = Field(default=None, description=HELD)
    available: Money | None = Field(default=None, description=AVAILABLE)

    @classmethod
    def from_balance(cls, balance: Balance) -> "CurrencyBalance":
        return cls(currency=balance.currency, **_amounts(balance))  # type: ignore[arg-type]


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
        )


class HistoryResponse(BaseModel):
    items: list[HistoryItem]
    nextCursor: str | None = Field(description="Pass as cursor for older entries; null on the last page.")
