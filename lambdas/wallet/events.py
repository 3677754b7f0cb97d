"""Movement events: one per committed movement, built from the Wallet table's stream.

The source is the INSERT of a movement's key record (`TXKEY#<key>`): every movement writes exactly one,
in the same transaction as its entries, and it carries the canonical request, the entries with their
balances after, and the hold. A declined key record, a replay (no write) and every other item produce
nothing. Because the event is built from the committed write, a crash between commit and publish can
delay an event but never lose it.

eventId is derived from the idempotency key (one key, one movement, forever), so a redelivered event
has the same eventId and a consumer can drop it.
"""

import json
import uuid
from dataclasses import dataclass
from typing import Any

from wallet.chain import entry_fields
from wallet.models import EntryType, Hold, HoldStatus, LedgerEntry, Outcome, posting_of
from wallet.money import format_amount
from wallet.repository import key_record_from_item

EVENT_SOURCE = "wallet"
# The stream filter (infra) and the handler agree on this: only applied key records become events.
KEY_RECORD_SK = "TXKEY"
_EVENT_ID_NAMESPACE = uuid.UUID("6f1c9a52-2f4e-4d0b-9d0e-5b7f9b3c1a10")

DETAIL_TYPES = {
    "transaction": "wallet.transaction.applied",
    "transfer": "wallet.transfer.applied",
    "reversal": "wallet.reversal.applied",
    "hold": "wallet.hold.placed",
    "capture": "wallet.hold.captured",
    "void": "wallet.hold.voided",
    "expire": "wallet.hold.expired",
    "postings": "wallet.postings.applied",
}


@dataclass(frozen=True)
class MovementEvent:
    event_id: str
    detail_type: str
    detail: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(
            {"source": EVENT_SOURCE, "detail-type": self.detail_type, "detail": self.detail}, sort_keys=True
        )


def event_id(idempotent_key: str) -> str:
    return str(uuid.uuid5(_EVENT_ID_NAMESPACE, idempotent_key))


def movement_event(stream_record: dict[str, Any]) -> MovementEvent | None:
    """The event for one DynamoDB stream record (Lambda's shape), or None if it is not a new movement."""
    change = stream_record.get("dynamodb", {})
    keys = change.get("Keys", {})
    if stream_record.get("eventName") != "INSERT" or keys.get("SK", {}).get("S") != KEY_RECORD_SK:
        return None
    image = change.get("NewImage")
    if image is None:
        raise ValueError("the stream must carry new images (StreamViewType NEW_IMAGE or NEW_AND_OLD_IMAGES)")
    return key_record_event(image)


def key_record_event(item: dict[str, Any]) -> MovementEvent | None:
    """The event of a key record item (as stored, or as the stream's new image); None unless applied."""
    record = key_record_from_item(item)
    if record.outcome is not Outcome.APPLIED:
        return None
    request = json.loads(record.request)
    operation = request["operation"]
    identifier = event_id(record.idempotent_key)
    detail: dict[str, Any] = {
        "eventId": identifier,
        "operation": operation,
        "idempotentKey": record.idempotent_key,
        "occurredAt": record.created_at,
        "request": request,
        "entries": [_entry(entry) for entry in record.entries],
    }
    if record.entries:
        first = record.entries[0]
        detail["transactionId"] = first.transaction_id
        scales = {entry.currency: entry.scale for entry in record.entries}
        detail["postings"] = [
            posting_of(entry).to_json(scales[entry.currency])
            for entry in record.entries
            if entry.type is not EntryType.TRANSFER_IN  # the same posting as its transfer_out
        ]
        if operation != "postings":  # one asset and amount; a postings transaction may hold several
            detail["currency"] = first.currency
            detail["amount"] = format_amount(first.amount_minor, first.scale)
        if first.transfer_id is not None:
            detail["transferId"] = first.transfer_id
        if first.reversal_of is not None:
            detail["reversalOf"] = first.reversal_of
    if record.hold is not None:
        detail["hold"] = _hold(record.hold)
        detail.setdefault("currency", record.hold.currency)
        detail.setdefault("amount", format_amount(record.hold.amount_minor, record.hold.scale))
    return MovementEvent(event_id=identifier, detail_type=DETAIL_TYPES[operation], detail=detail)


_ENTRY_FIELDS = ("userId", "currency", "type", "amount", "balanceAfter", "sequence", "counterparty", "transactionId")


def _entry(entry: LedgerEntry) -> dict[str, Any]:
    """An account leg; (userId, currency, sequence) orders a consumer's view of one account."""
    fields = entry_fields(entry)
    return {
        **{name: fields[name] for name in _ENTRY_FIELDS},
        "description": entry.description,
        "metadata": entry.metadata,
        "previousHash": entry.previous_hash,
        "hash": entry.hash,
    }


def _hold(hold: Hold) -> dict[str, Any]:
    status = hold.stored_status
    return {
        "holdId": hold.hold_id,
        "userId": hold.user_id,
        "currency": hold.currency,
        "amount": format_amount(hold.amount_minor, hold.scale),
        "status": status.value,
        "expiresAt": hold.expires_at,
        "capturedAmount": format_amount(hold.captured_minor, hold.scale) if status is HoldStatus.CAPTURED else None,
        "capturedTo": hold.captured_to,
        "availableAfter": (
            format_amount(hold.available_after_minor, hold.scale) if hold.available_after_minor is not None else None
        ),
        "description": hold.description,
        "metadata": hold.metadata,
    }
