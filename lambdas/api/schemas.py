"""Request and response models: they validate requests and generate docs/openapi.json."""

import json
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, WithJsonSchema

from wallet.errors import PayloadTooLarge
from wallet.models import Balance, Hold, HoldStatus, LedgerEntry
from wallet.money import AMOUNT_JSON_PATTERN, MAX_WHOLE_UNITS, InvalidAmount, JsonNumber, amount_text, format_amount
from wallet.settings import ASSET_CODE_PATTERN, DEFAULT_CURRENCY, SYSTEM_ACCOUNT_PATTERN
from wallet.validation import (
    DESCRIPTION_MAX_LENGTH,
    IDEMPOTENT_KEY_PATTERN,
    METADATA_MAX_BYTES,
    METADATA_MAX_KEYS,
    USER_ID_PATTERN,
)


def _amount_text(value: object) -> str:
    """The amount's text; its scale is checked by the service once the currency is known."""
    try:
        return amount_text(value)
    except InvalidAmount as error:
        raise ValueError(str(error)) from None


MAX_BODY_BYTES = 16 * 1024
AT_DESCRIPTION = (
    "An ISO 8601 instant with a time zone: the balance right after the last entry at or before it "
    "(the opening balance if there is none)"
)
MONEY_EXAMPLE = "100.00"

RequestAmount = Annotated[
    str,
    PlainValidator(_amount_text),
    WithJsonSchema(
        {
            "description": "Positive, with at most as many decimal places as the asset's scale (USD 2, GOLD 0), "
            f"at most {MAX_WHOLE_UNITS} whole units. A string is preferred; a JSON number is accepted "
            "(no exponent form).",
            "oneOf": [
                {"type": "string", "pattern": AMOUNT_JSON_PATTERN},
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_WHOLE_UNITS},
            ],
            "examples": ["50.00"],
        }
    ),
]
Money = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+(\.[0-9]{1,6})?$",
        description="Exactly the asset's scale in decimal places",
        examples=[MONEY_EXAMPLE],
    ),
]
UserId = Annotated[str, Field(pattern=USER_ID_PATTERN, examples=["u1"])]
IdempotentKey = Annotated[str, Field(pattern=IDEMPOTENT_KEY_PATTERN, examples=["order-1234-payment"])]
BodyKey = Annotated[
    IdempotentKey | None,
    Field(description="Required here or in the Idempotency-Key header; if both, they must match."),
]
Currency = Annotated[
    str, Field(pattern=ASSET_CODE_PATTERN, description="A configured asset code (default USD)", examples=["USD"])
]
SystemAccountName = Annotated[str, Field(pattern=SYSTEM_ACCOUNT_PATTERN, examples=["promotions"])]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH, examples=["Order 1234"])]
Metadata = Annotated[
    dict[str, str],
    Field(
        max_length=METADATA_MAX_KEYS,
        description=f"At most {METADATA_MAX_KEYS} string keys with string values, {METADATA_MAX_BYTES} bytes as JSON",
        examples=[{"orderId": "1234"}],
    ),
]
TransactionType = Literal["credit", "debit"]
EntryTypeName = Literal["credit", "debit", "transfer_out", "transfer_in"]


class TransactionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: BodyKey = None
    userId: UserId
    amount: RequestAmount
    type: TransactionType
    currency: Currency = DEFAULT_CURRENCY
    counterparty: SystemAccountName | None = Field(
        default=None,
        description="The system account on the other side (default: treasury for a credit, revenue for a debit).",
    )
    description: Description | None = None
    metadata: Metadata | None = None


class TransferRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: BodyKey = None
    fromUserId: UserId
    toUserId: UserId
    amount: RequestAmount
    currency: Currency = DEFAULT_CURRENCY
    description: Description | None = None
    metadata: Metadata | None = None


class ReversalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: BodyKey = None
    amount: RequestAmount | None = Field(default=None, description="Default: all that is still reversible.")
    description: Description | None = None


def _json_integer(value: object) -> object:
    """A JSON number (kept as text by the body parser) that is a plain integer, as an int."""
    if isinstance(value, JsonNumber):
        if not value.text.lstrip("-").isdigit():
            raise ValueError("must be an integer")
        return int(value.text)
    return value


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: BodyKey = None
    userId: UserId
    amount: RequestAmount
    currency: Currency = DEFAULT_CURRENCY
    expiresInSeconds: Annotated[int, BeforeValidator(_json_integer), Field(strict=True)] | None = Field(
        default=None, description="Default 604800 (7 days); from 60 to 2592000 (30 days)."
    )
    description: Description | None = None
    metadata: Metadata | None = None


class CaptureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: BodyKey = None
    amount: RequestAmount | None = Field(default=None, description="Default: all of the hold; never more.")
    counterparty: SystemAccountName | None = Field(
        default=None, description="The system account paid (default revenue)."
    )
    toUserId: UserId | None = Field(default=None, description="Or: the user paid, instead of a system account.")


class VoidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: BodyKey = None


class HoldResponse(BaseModel):
    holdId: str
    status: Literal["pending", "captured", "voided", "expired"]
    userId: str
    amount: Money
    currency: str
    expiresAt: str
    available: Money | None = Field(description="The account's available balance right after the hold was placed.")
    createdAt: str
    description: str | None
    metadata: dict[str, str] | None
    capturedAmount: Money | None = Field(description="For a captured hold: the amount moved.")
    transactionId: str | None = Field(description="For a captured hold: the capture's movement (reversible).")
    capturedTo: str | None = Field(description="For a captured hold: the system account or user paid.")
    endedAt: str | None

    @classmethod
    def from_hold(cls, hold: Hold, as_of_ms: int) -> "HoldResponse":
        captured = hold.stored_status is HoldStatus.CAPTURED
        return cls(
            holdId=hold.hold_id,
            status=hold.status(as_of_ms).value,
            userId=hold.user_id,
            amount=format_amount(hold.amount_minor, hold.scale),
            currency=hold.currency,
            expiresAt=hold.expires_at,
            available=None
            if hold.available_after_minor is None
            else format_amount(hold.available_after_minor, hold.scale),
            createdAt=hold.created_at,
            description=hold.description,
            metadata=hold.metadata,
            capturedAmount=format_amount(hold.captured_minor, hold.scale) if captured else None,
            transactionId=hold.transaction_id,
            capturedTo=hold.captured_to,
            endedAt=hold.ended_at,
        )


class HoldsResponse(BaseModel):
    items: list[HoldResponse]
    nextCursor: str | None = Field(description="Pass as cursor for older holds; null on the last page.")


class TransactionResponse(BaseModel):
    transactionId: str
    idempotentKey: str
    userId: str
    type: TransactionType
    amount: Money
    balance: Money = Field(description="The balance right after this transaction.")
    currency: str
    counterparty: str = Field(description="The system account the money came from or went to.")
    description: str | None
    metadata: dict[str, str] | None
    createdAt: str

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "TransactionResponse":
        return cls(
            transactionId=entry.transaction_id,
            idempotentKey=entry.idempotent_key,
            userId=entry.user_id,
            type=entry.type.value,  # type: ignore[arg-type]  # a transaction's entry is a credit or a debit
            amount=format_amount(entry.amount_minor, entry.scale),
            balance=format_amount(entry.balance_after_minor, entry.scale),
            currency=entry.currency,
            counterparty=entry.counterparty,
            description=entry.description,
            metadata=entry.metadata,
            createdAt=entry.created_at,
        )


class TransferResponse(BaseModel):
    transferId: str
    idempotentKey: str
    fromUserId: str
    toUserId: str
    amount: Money
    currency: str
    fromBalance: Money = Field(description="The source's balance right after the transfer.")
    toBalance: Money = Field(description="The target's balance right after the transfer.")
    description: str | None
    metadata: dict[str, str] | None
    createdAt: str

    @classmethod
    def from_entries(cls, out_entry: LedgerEntry, in_entry: LedgerEntry) -> "TransferResponse":
        return cls(
            transferId=out_entry.transaction_id,
            idempotentKey=out_entry.idempotent_key,
            fromUserId=out_entry.user_id,
            toUserId=in_entry.user_id,
            amount=format_amount(out_entry.amount_minor, out_entry.scale),
            currency=out_entry.currency,
            fromBalance=format_amount(out_entry.balance_after_minor, out_entry.scale),
            toBalance=format_amount(in_entry.balance_after_minor, in_entry.scale),
            description=out_entry.description,
            metadata=out_entry.metadata,
            createdAt=out_entry.created_at,
        )


class ReversalEntry(BaseModel):
    userId: str
    type: EntryTypeName
    amount: Money
    balanceAfter: Money
    counterparty: str
    transferId: str | None


class ReversalResponse(BaseModel):
    transactionId: str = Field(description="The reversal's own movement id")
    reversalOf: str = Field(description="The movement it reverses")
    idempotentKey: str
    amount: Money
    currency: str
    description: str | None
    createdAt: str
    entries: list[ReversalEntry] = Field(description="The reversal's ledger entries (one, or two for a transfer)")

    @classmethod
    def from_entries(cls, entries: tuple[LedgerEntry, ...]) -> "ReversalResponse":
        first = entries[0]
        return cls(
            transactionId=first.transaction_id,
            reversalOf=first.reversal_of or "",
            idempotentKey=first.idempotent_key,
            amount=format_amount(first.amount_minor, first.scale),
            currency=first.currency,
            description=first.description,
            createdAt=first.created_at,
            entries=[
                ReversalEntry(
                    userId=entry.user_id,
                    type=entry.type.value,  # type: ignore[arg-type]
                    amount=format_amount(entry.amount_minor, entry.scale),
                    balanceAfter=format_amount(entry.balance_after_minor, entry.scale),
                    counterparty=entry.counterparty,
                    transferId=entry.transfer_id,
                )
                for entry in entries
            ],
        )


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


class ErrorDetail(BaseModel):
    code: str = Field(examples=["VALIDATION_ERROR"])
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


@cache
def _error_schema() -> dict[str, Any]:
    """Built once per process, not once per route (each route's decorator asks for it at import)."""
    return ErrorResponse.model_json_schema()


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI entries for the error statuses a route can return."""
    descriptions = {
        400: "Invalid request; nothing was written",
        403: "The caller's identity does not allow this",
        404: "No such route, system account, movement or hold",
        409: "Declined (insufficient funds, reversal beyond the original, hold ended or expired), or the key in flight",
        413: "Body larger than 16 KB",
        415: "Body is not JSON",
        422: "Idempotency key reused with a different request",
        429: "The account is over its movement rate limit; nothing was written, retry with the same key later",
        503: "Store busy; retry with the same key",
    }
    retry_after = {
        "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 1}}
    }
    content = {"application/json": {"schema": _error_schema()}}
    return {
        status: {"description": descriptions[status], "content": content}
        | ({"headers": retry_after} if status in (429, 503) else {})
        for status in statuses
    }


def parse_json_body(text: str) -> Any:
    """json.loads that keeps numbers as their source text and refuses oversized or deeply nested bodies."""
    if len(text.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body must not exceed {MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(text, parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=JsonNumber)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
