"""Request and response models: they validate requests and generate docs/openapi.json."""

import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from wallet.errors import PayloadTooLarge
from wallet.models import LedgerEntry
from wallet.money import AMOUNT_JSON_PATTERN, MAX_AMOUNT, JsonNumber, format_money, parse_amount
from wallet.validation import IDEMPOTENT_KEY_PATTERN, USER_ID_PATTERN

MAX_BODY_BYTES = 16 * 1024
MONEY_EXAMPLE = "100.00"

RequestAmount = Annotated[
    Decimal,
    PlainValidator(parse_amount),
    WithJsonSchema(
        {
            "description": f"Positive, at most 2 decimal places, at most {MAX_AMOUNT}. "
            "A string is preferred; a JSON number is accepted (no exponent form).",
            "oneOf": [
                {"type": "string", "pattern": AMOUNT_JSON_PATTERN},
                {"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_AMOUNT), "multipleOf": 0.01},
            ],
            "examples": ["50.00"],
        }
    ),
]
Money = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=[MONEY_EXAMPLE])]
UserId = Annotated[str, Field(pattern=USER_ID_PATTERN, examples=["u1"])]
IdempotentKey = Annotated[str, Field(pattern=IDEMPOTENT_KEY_PATTERN, examples=["order-1234-payment"])]
MovementTypeName = Literal["credit", "debit"]


class TransactionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idempotentKey: IdempotentKey | None = Field(
        default=None, description="Required here or in the Idempotency-Key header; if both, they must match."
    )
    userId: UserId
    amount: RequestAmount
    type: MovementTypeName


class TransactionResponse(BaseModel):
    transactionId: str
    idempotentKey: str
    userId: str
    type: MovementTypeName
    amount: Money
    balance: Money = Field(description="The balance right after this transaction.")
    createdAt: str

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "TransactionResponse":
        return cls(
            transactionId=entry.transaction_id,
            idempotentKey=entry.idempotent_key,
            userId=entry.user_id,
            type=entry.type.value,
            amount=format_money(entry.amount),
            balance=format_money(entry.balance_after),
            createdAt=entry.created_at,
        )


class BalanceResponse(BaseModel):
    userId: str
    balance: Money
    currency: str = Field(examples=["USD"])


class HistoryItem(BaseModel):
    transactionId: str
    idempotentKey: str
    type: MovementTypeName
    amount: Money
    balanceAfter: Money = Field(description="The balance immediately after this entry.")
    createdAt: str

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> "HistoryItem":
        return cls(
            transactionId=entry.transaction_id,
            idempotentKey=entry.idempotent_key,
            type=entry.type.value,
            amount=format_money(entry.amount),
            balanceAfter=format_money(entry.balance_after),
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


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI entries for the error statuses a route can return."""
    descriptions = {
        400: "Invalid request; nothing was written",
        403: "The caller may not act on this user",
        404: "No such route",
        409: "Declined debit, or the key is still in flight",
        413: "Body larger than 16 KB",
        415: "Body is not JSON",
        422: "Idempotency key reused with a different request",
        503: "Store busy; retry with the same key",
    }
    content = {"application/json": {"schema": ErrorResponse.model_json_schema()}}
    return {status: {"description": descriptions[status], "content": content} for status in statuses}


def parse_json_body(text: str) -> Any:
    """json.loads that keeps numbers as their source text and refuses oversized or deeply nested bodies."""
    if len(text.encode()) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The request body must not exceed {MAX_BODY_BYTES} bytes.")
    try:
        return json.loads(text, parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=JsonNumber)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
