"""Requests and answers of the routes that move money or hold it (and the list of a user's holds).

Kept apart from the read routes' models so a function builds only the pydantic models its routes use.
"""

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from api.schemas import (
    RECEIPTS,
    BodyKey,
    Currency,
    Description,
    EntryTypeName,
    Metadata,
    Money,
    PostingAnswer,
    Receipt,
    RequestAmount,
    SystemAccountName,
    TransactionType,
    UserId,
    posting_answer,
)
from wallet.models import Hold, HoldStatus, LedgerEntry, PostingsResult
from wallet.money import JsonNumber, format_amount
from wallet.service.holds import HOLD_MAX_SECONDS, HOLD_MIN_SECONDS
from wallet.service.postings import MAX_POSTING_ACCOUNTS, MAX_POSTINGS
from wallet.settings import DEFAULT_CURRENCY


class TransactionRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"idempotentKey": "order-1234-payment", "userId": "u1", "amount": "50.00", "type": "credit"}]
        },
    )

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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"idempotentKey": "rent-2026-12", "fromUserId": "u1", "toUserId": "u2", "amount": "25.00"}]
        },
    )

    idempotentKey: BodyKey = None
    fromUserId: UserId
    toUserId: UserId
    amount: RequestAmount
    currency: Currency = DEFAULT_CURRENCY
    description: Description | None = None
    metadata: Metadata | None = None


class ReversalRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"idempotentKey": "refund-1234", "description": "Order cancelled"}]},
    )

    idempotentKey: BodyKey = None
    amount: RequestAmount | None = Field(default=None, description="Default: all that is still reversible.")
    description: Description | None = None


def _json_integer(value: object) -> object:
    """A JSON number (kept as text by the body parser) whose value is an integer, as an int: 60, 60.0 and
    6e1 alike, as JSON Schema's integer type counts them."""
    if isinstance(value, JsonNumber):
        number = Decimal(value.text)
        if number.adjusted() > 18 or number != number.to_integral_value():  # no 1e999999 made into an int
            raise ValueError("must be an integer")
        return int(number)
    return value


class HoldRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"idempotentKey": "ride-77-hold", "userId": "u1", "amount": "12.50"}]},
    )

    idempotentKey: BodyKey = None
    userId: UserId
    amount: RequestAmount
    currency: Currency = DEFAULT_CURRENCY
    expiresInSeconds: (
        Annotated[
            int,
            BeforeValidator(_json_integer),
            Field(strict=True, ge=HOLD_MIN_SECONDS, le=HOLD_MAX_SECONDS),
            WithJsonSchema({"type": "integer", "minimum": HOLD_MIN_SECONDS, "maximum": HOLD_MAX_SECONDS}),
        ]
        | None
    ) = Field(default=None, description="Default 604800 (7 days); from 60 to 2592000 (30 days).")
    description: Description | None = None
    metadata: Metadata | None = None


class CaptureRequest(BaseModel):
    # one payee: a system account or a user, not both (null is as good as absent)
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"idempotentKey": "ride-77-capture", "amount": "10.00"}],
            "not": {
                "required": ["counterparty", "toUserId"],
                "properties": {"counterparty": {"type": "string"}, "toUserId": {"type": "string"}},
            },
        },
    )

    idempotentKey: BodyKey = None
    amount: RequestAmount | None = Field(default=None, description="Default: all of the hold; never more.")
    counterparty: SystemAccountName | None = Field(
        default=None, description="The system account paid (default revenue)."
    )
    toUserId: UserId | None = Field(default=None, description="Or: the user paid, instead of a system account.")


class VoidRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"idempotentKey": "ride-77-void"}]})

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
    receipts: list[Receipt] = Field(default=[], description=RECEIPTS + " (a capture's answer; empty otherwise)")

    @classmethod
    def from_hold(cls, hold: Hold, as_of_ms: int, entries: tuple[LedgerEntry, ...] = ()) -> "HoldResponse":
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
            receipts=Receipt.from_entries(entries),
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
    receipts: list[Receipt] = Field(description=RECEIPTS)

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
            receipts=Receipt.from_entries([entry]),
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
    receipts: list[Receipt] = Field(description=RECEIPTS)

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
            receipts=Receipt.from_entries([out_entry, in_entry]),
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
    receipts: list[Receipt] = Field(description=RECEIPTS)

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
            receipts=Receipt.from_entries(entries),
        )


class UserSide(BaseModel):
    model_config = ConfigDict(extra="forbid")

    userId: UserId


class SystemSide(BaseModel):
    model_config = ConfigDict(extra="forbid")

    systemAccount: SystemAccountName


Side = Annotated[
    UserSide | SystemSide,
    Field(description="Exactly one of userId (a user's account) or systemAccount (a configured one)"),
]


class PostingRequest(BaseModel):
    # a user on at least one side: money never moves between two system accounts
    model_config = ConfigDict(
        extra="forbid",
        serialize_by_alias=True,
        validate_by_name=True,
        json_schema_extra={
            "not": {
                "required": ["from", "to"],
                "properties": {"from": {"required": ["systemAccount"]}, "to": {"required": ["systemAccount"]}},
            }
        },
    )

    source: Side = Field(alias="from")
    target: Side = Field(alias="to")
    amount: RequestAmount
    currency: Currency = DEFAULT_CURRENCY

    def to_json(self) -> dict[str, object]:
        return {
            "from": self.source.model_dump(),
            "to": self.target.model_dump(),
            "amount": self.amount,
            "currency": self.currency,
        }


class PostingsRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "idempotentKey": "order-42",
                    "postings": [
                        {"from": {"userId": "buyer-1"}, "to": {"userId": "seller-9"}, "amount": "9.70"},
                        {"from": {"userId": "buyer-1"}, "to": {"systemAccount": "revenue"}, "amount": "0.30"},
                    ],
                }
            ]
        },
    )

    idempotentKey: BodyKey = None
    postings: list[PostingRequest] = Field(
        min_length=1,
        max_length=MAX_POSTINGS,
        description=f"At most {MAX_POSTINGS} postings among at most {MAX_POSTING_ACCOUNTS} user accounts (user and "
        "asset); every posting names a user on one side at least, and its two sides differ.",
    )
    description: Description | None = None
    metadata: Metadata | None = None


class AccountBalance(BaseModel):
    userId: str
    currency: str
    balance: Money = Field(description="The balance right after this transaction.")


class PostingsResponse(BaseModel):
    transactionId: str
    idempotentKey: str
    type: Literal["postings"]
    postings: list[PostingAnswer]
    balances: list[AccountBalance] = Field(description="Every user account the postings touched, balance after.")
    description: str | None
    metadata: dict[str, str] | None
    createdAt: str
    receipts: list[Receipt] = Field(description=RECEIPTS)

    @classmethod
    def from_result(cls, result: PostingsResult) -> "PostingsResponse":
        first = result.entries[0]
        scales = {entry.currency: entry.scale for entry in result.entries}
        return cls(
            transactionId=first.transaction_id,
            idempotentKey=first.idempotent_key,
            type="postings",
            postings=[posting_answer(posting, scales[posting.currency]) for posting in result.postings],
            balances=[
                AccountBalance(
                    userId=entry.user_id,
                    currency=entry.currency,
                    balance=format_amount(entry.balance_after_minor, entry.scale),
                )
                for entry in result.balances()
            ],
            description=first.description,
            metadata=first.metadata,
            createdAt=first.created_at,
            receipts=Receipt.from_entries(result.entries),
        )
