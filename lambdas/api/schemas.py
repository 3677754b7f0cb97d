"""The types every request and response model shares, the error body, and the JSON body parser.

The models themselves are in api.movement_schemas and api.read_schemas: they validate requests and
generate docs/openapi.json."""

import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from wallet.errors import PayloadTooLarge
from wallet.models import LedgerEntry, Posting
from wallet.money import MAX_SCALE, MAX_WHOLE_UNITS, InvalidAmount, JsonNumber, amount_pattern, amount_text
from wallet.settings import ASSET_CODE_PATTERN, SYSTEM_ACCOUNT_PATTERN
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
INSTANT = {"format": "date-time"}  # RFC 3339; the service also reads other ISO 8601 instants with a zone


def amount_forms(scale: int) -> list[dict[str, Any]]:
    """An amount's two JSON forms at a scale: a decimal string (preferred) or a plain JSON number."""
    number: dict[str, Any] = {"type": "integer", "minimum": 1} if scale == 0 else {"type": "number"}
    if scale:
        number.update(exclusiveMinimum=0, multipleOf=float(f"1e-{scale}"))
    return [{"type": "string", "pattern": amount_pattern(scale)}, {**number, "maximum": MAX_WHOLE_UNITS}]


RequestAmount = Annotated[
    str,
    PlainValidator(_amount_text),
    WithJsonSchema(
        {
            "description": "Positive, with at most as many decimal places as the asset's scale (USD 2, GOLD 0), "
            f"at most {MAX_WHOLE_UNITS} whole units. A string is preferred; a JSON number is accepted "
            "(no exponent form).",
            "oneOf": amount_forms(MAX_SCALE),
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
        json_schema_extra={"propertyNames": {"minLength": 1}},
        description=f"At most {METADATA_MAX_KEYS} string keys with string values, {METADATA_MAX_BYTES} bytes as JSON",
        examples=[{"orderId": "1234"}],
    ),
]
# The ids this service issues (holds, movements) are UUIDs: a path parameter of other characters names none.
ISSUED_ID_PATTERN = r"^[A-Za-z0-9._:@-]{1,64}$"
HASH_PATTERN = r"^[0-9a-f]{64}$"
Hash = Annotated[str, Field(pattern=HASH_PATTERN, description="SHA-256, 64 lower-case hex characters")]
TransactionType = Literal["credit", "debit"]
EntryTypeName = Literal["credit", "debit", "transfer_out", "transfer_in"]


class Receipt(BaseModel):
    """One ledger entry a movement wrote, as its account's chain holds it: proof the entry can be checked
    against later (make verify --receipt <hash>)."""

    userId: str
    currency: str
    sequence: int = Field(ge=1)
    previousHash: Hash
    hash: Hash

    @classmethod
    def from_entries(cls, entries: "Iterable[LedgerEntry]") -> list["Receipt"]:
        return [
            cls(
                userId=entry.user_id,
                currency=entry.currency,
                sequence=entry.sequence,
                previousHash=entry.previous_hash or "",
                hash=entry.hash or "",
            )
            for entry in entries
            if entry.hash is not None
        ]


RECEIPTS = "The ledger entries this movement wrote: each one's account, sequence and hash in its chain."


class PostingAnswer(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    source: dict[str, str] = Field(alias="from", description="{userId} or {systemAccount}")
    target: dict[str, str] = Field(alias="to", description="{userId} or {systemAccount}")
    amount: Money
    currency: str


def posting_answer(posting: Posting, scale: int) -> PostingAnswer:
    return PostingAnswer.model_validate(posting.to_json(scale))


class ErrorDetail(BaseModel):
    code: str = Field(examples=["VALIDATION_ERROR"])
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI entries for the error statuses a route can return."""
    descriptions = {
        400: "Invalid request; nothing was written",
        403: "The caller's identity does not allow this",
        404: "No such route, system account, movement or hold",
        409: "Declined (insufficient funds, reversal beyond the original or in part of a movement reversed whole "
        "only, capture beyond the hold or to its own user, hold ended or expired), or the key in flight",
        413: "Body larger than 16 KB",
        415: "Body is not JSON",
        422: "Idempotency key reused with a different request",
        429: "The account is over its movement rate limit; nothing was written, retry with the same key later",
        503: "Store busy; retry with the same key",
    }
    retry_after = {
        "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 1}}
    }
    # By model: the document then holds ErrorResponse and ErrorDetail once, as named components.
    content = {"application/json": {"model": ErrorResponse}}
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
