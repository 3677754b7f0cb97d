"""Writes the JSON Schema of every event detail type to docs/events/ (make event-schemas).

The schemas describe the `detail` of the events on the wallet's EventBridge bus (source "wallet");
a test checks the files are current and that real and sample events validate against them.
"""

import json
import sys
from pathlib import Path
from typing import Any

from wallet.digests import DIGEST_DETAIL_TYPE
from wallet.events import DETAIL_TYPES
from wallet.service.postings import MAX_POSTINGS

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "docs" / "events"
_TEXT = {"type": "string", "minLength": 1}
_AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "exact decimal, the asset's scale"}
_OPTIONAL_TEXT = {"type": ["string", "null"]}
_HASH = {
    "type": ["string", "null"],
    "pattern": "^[0-9a-f]{64}$",
    "description": "the entry's place in its account's hash chain (null only before the chain existed)",
}
_METADATA = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
_ENTRY = {
    "type": "object",
    "description": "One leg on a user's account; (userId, currency, sequence) is the account's ledger order.",
    "required": ["userId", "currency", "type", "amount", "balanceAfter", "sequence", "counterparty", "transactionId"],
    "properties": {
        "userId": _TEXT,
        "currency": _TEXT,
        "type": {"enum": ["credit", "debit", "transfer_out", "transfer_in"]},
        "amount": _AMOUNT,
        "balanceAfter": _AMOUNT,
        "sequence": {"type": "integer", "minimum": 1},
        "counterparty": _TEXT,
        "transactionId": _TEXT,
        "description": _OPTIONAL_TEXT,
        "metadata": _METADATA,
        "previousHash": _HASH,
        "hash": _HASH,
    },
    "additionalProperties": False,
}
_HOLD: dict[str, Any] = {
    "type": "object",
    "required": ["holdId", "userId", "currency", "amount", "status", "expiresAt"],
    "properties": {
        "holdId": _TEXT,
        "userId": _TEXT,
        "currency": _TEXT,
        "amount": _AMOUNT,
        "status": {"enum": ["pending", "captured", "voided", "expired"]},
        "expiresAt": _TEXT,
        "capturedAmount": {"anyOf": [_AMOUNT, {"type": "null"}]},
        "capturedTo": _OPTIONAL_TEXT,
        "availableAfter": {"anyOf": [_AMOUNT, {"type": "null"}]},
        "description": _OPTIONAL_TEXT,
        "metadata": _METADATA,
    },
    "additionalProperties": False,
}
_SIDE = {
    "type": "object",
    "description": "exactly one of userId or systemAccount",
    "properties": {"userId": _TEXT, "systemAccount": _TEXT},
    "minProperties": 1,
    "maxProperties": 1,
    "additionalProperties": False,
}
_POSTING = {
    "type": "object",
    "description": "amount of currency leaves `from` and reaches `to`",
    "required": ["from", "to", "amount", "currency"],
    "properties": {"from": _SIDE, "to": _SIDE, "amount": _AMOUNT, "currency": _TEXT},
    "additionalProperties": False,
}
_MOST_ENTRIES = 2 * MAX_POSTINGS  # a postings transaction (or its reversal): a user on both sides of each
# What each detail type carries beyond the common fields: legs (how many) and a hold (in which status).
_SHAPES: dict[str, dict[str, Any]] = {
    "transaction": {"entries": (1, 1), "required": ["transactionId"]},
    "transfer": {"entries": (2, 2), "required": ["transactionId", "transferId"]},
    "reversal": {"entries": (1, _MOST_ENTRIES), "required": ["transactionId", "reversalOf"]},
    "hold": {"entries": (0, 0), "hold": "pending"},
    "capture": {"entries": (1, 2), "hold": "captured", "required": ["transactionId"]},
    "void": {"entries": (0, 0), "hold": "voided"},
    "expire": {"entries": (0, 0), "hold": "expired"},  # the nightly sweep; its key starts with \u001f
    "postings": {"entries": (1, _MOST_ENTRIES), "required": ["transactionId"], "several_assets": True},
}


def detail_schema(operation: str) -> dict[str, Any]:
    shape = _SHAPES[operation]
    low, high = shape["entries"]
    properties: dict[str, Any] = {
        "eventId": {"type": "string", "format": "uuid", "description": "the same for every delivery of the event"},
        "operation": {"const": operation},
        "idempotentKey": _TEXT,
        "occurredAt": {"type": "string", "description": "when the movement was committed (ISO 8601, UTC)"},
        "request": {"type": "object", "description": "the request as the service compared it (defaults applied)"},
        "entries": {"type": "array", "items": _ENTRY, "minItems": low, "maxItems": high},
        "currency": _TEXT,
        "amount": _AMOUNT,
        "transactionId": _TEXT,
        "transferId": _TEXT,
        "reversalOf": _TEXT,
    }
    required = ["eventId", "operation", "idempotentKey", "occurredAt", "request", "entries"]
    if high:
        properties["postings"] = {"type": "array", "items": _POSTING, "minItems": 1, "maxItems": MAX_POSTINGS}
        required.append("postings")
    if shape.get("several_assets"):
        del properties["currency"], properties["amount"]
    else:
        required += ["currency", "amount"]
    if "hold" in shape:
        properties["hold"] = {**_HOLD, "properties": {**_HOLD["properties"], "status": {"const": shape["hold"]}}}
        required.append("hold")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://wallet.example/events/{DETAIL_TYPES[operation]}.schema.json",
        "title": f"detail of {DETAIL_TYPES[operation]}",
        "type": "object",
        "required": required + shape.get("required", []),
        "properties": properties,
        "additionalProperties": False,
    }


def digest_schema() -> dict[str, Any]:
    """The nightly run's (and `make digest`'s) event: a ledger digest was anchored."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://wallet.example/events/{DIGEST_DETAIL_TYPE}.schema.json",
        "title": f"detail of {DIGEST_DETAIL_TYPE}",
        "type": "object",
        "required": ["eventId", "createdAt", "root", "accounts", "entries", "location"],
        "properties": {
            "eventId": {"type": "string", "format": "uuid", "description": "the same for every delivery of the event"},
            "createdAt": {"type": "string", "description": "when the digest was taken (ISO 8601, UTC)"},
            "root": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "Merkle root over every head"},
            "accounts": {"type": "integer", "minimum": 0, "description": "chained accounts (user and asset) covered"},
            "entries": {"type": "integer", "minimum": 0, "description": "ledger entries their heads cover"},
            "location": {"type": "string", "description": "where the digest is anchored (s3://... or a local path)"},
        },
        "additionalProperties": False,
    }


def schema_files() -> dict[Path, str]:
    files = {
        SCHEMA_DIR / f"{detail_type}.schema.json": json.dumps(detail_schema(operation), indent=2) + "\n"
        for operation, detail_type in DETAIL_TYPES.items()
    }
    files[SCHEMA_DIR / f"{DIGEST_DETAIL_TYPE}.schema.json"] = json.dumps(digest_schema(), indent=2) + "\n"
    return files


def main() -> int:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in schema_files().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(SCHEMA_DIR.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
