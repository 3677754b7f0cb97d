"""The Wallet table's layout: key builders, index names and item codecs (DynamoDB JSON both ways)."""

import zlib
from dataclasses import dataclass
from typing import Any

from wallet.models import (
    Account,
    EntryType,
    Hold,
    HoldStatus,
    KeyRecord,
    LedgerEntry,
    Outcome,
    SystemEntry,
)

_SEQUENCE_DIGITS = 12
ENTRY_SK_PREFIX = "ENTRY#"
ENTRY_SK_END = "ENTRY$"  # the first sort key after every ENTRY# key ("$" follows "#")
CHECKPOINT_SK = "CHECKPOINT"  # sorts before ENTRY#, so "SK > ENTRY#..." never reads it
# The global secondary indexes (infra/tables.py declares them): ledger entries by time, and applied
# key records by the id of the movement they applied.
BY_TIME_INDEX, TIME_KEY, TIME_SORT = "ByTime", "timeKey", "timeSort"
BY_MOVEMENT_INDEX, MOVEMENT_ID = "ByMovement", "movementId"
# Holds stored as pending, by expiry (sparse: a hold leaves it when it ends), for the nightly sweep.
PENDING_HOLDS_INDEX, PENDING_SHARD, PENDING_DUE = "PendingHolds", "pendingShard", "pendingDue"
PENDING_HOLD_SHARDS = 8  # index partitions the pending holds spread over; only ever grow it
_DUE_DIGITS = 15


@dataclass(frozen=True)
class Checkpoint:
    """The total of a system bucket's entries up to and including through_sk."""

    total_minor: int
    through_sk: str
    version: int


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def balance_sk(currency: str) -> str:
    return f"BALANCE#{currency}"


def ledger_sk_prefix(currency: str) -> str:
    return f"LEDGER#{currency}#"


def ledger_sk(currency: str, sequence: int) -> str:
    return f"{ledger_sk_prefix(currency)}{sequence:0{_SEQUENCE_DIGITS}d}"


def time_key(user_id: str, currency: str) -> str:
    return f"USER#{user_id}#{currency}"


def time_sort(created_at: str, sequence: int) -> str:
    return f"{created_at}#{sequence:0{_SEQUENCE_DIGITS}d}"


def key_pk(idempotent_key: str) -> str:
    return f"TXKEY#{idempotent_key}"


def system_pk(account: str, currency: str, bucket: int) -> str:
    return f"SYSTEM#{account}#{currency}#{bucket:02d}"


def system_entry_sk(entry: SystemEntry) -> str:
    return f"{ENTRY_SK_PREFIX}{entry.created_at}#{entry.transaction_id}#{entry.leg}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _optional_text(item: dict[str, Any], name: str) -> str | None:
    return item[name]["S"] if name in item else None


def is_balance_item(item: dict[str, Any]) -> bool:
    return item["PK"]["S"].startswith("USER#") and item["SK"]["S"].startswith("BALANCE#")


def account_from_item(item: dict[str, Any]) -> Account:
    holds = {
        hold_id: (int(value["M"]["a"]["N"]), int(value["M"]["x"]["N"]))
        for hold_id, value in item.get("holds", {}).get("M", {}).items()
    }
    return Account(
        user_id=item["PK"]["S"].removeprefix("USER#"),
        currency=item["SK"]["S"].removeprefix("BALANCE#"),
        balance_minor=int(item["balanceMinor"]["N"]),
        version=int(item["version"]["N"]),
        updated_at=item.get("updatedAt", {}).get("S", ""),
        entry_count=int(item["entryCount"]["N"]) if "entryCount" in item else -1,
        holds=holds,
        rate_tat_us=int(item["rateTatUs"]["N"]) if "rateTatUs" in item else 0,
        hot_until_ms=int(item["hotUntilMs"]["N"]) if "hotUntilMs" in item else 0,
        head_hash=_optional_text(item, "headHash"),
    )


def _metadata(item: dict[str, Any]) -> dict[str, str] | None:
    """Keys sorted, as the request was stored: DynamoDB returns a map's keys in an order of its own."""
    if "metadata" not in item:
        return None
    return {name: value["S"] for name, value in sorted(item["metadata"]["M"].items())}


def _holds_value(holds: dict[str, tuple[int, int]]) -> dict[str, Any]:
    return {"M": {hold_id: {"M": {"a": _n(amount), "x": _n(expires)}} for hold_id, (amount, expires) in holds.items()}}


def hold_pk(hold_id: str) -> str:
    return f"HOLD#{hold_id}"


def pending_shard(shard: int) -> str:
    return f"PENDING#{shard}"


def _due(expires_at_ms: int) -> str:
    return f"{expires_at_ms:0{_DUE_DIGITS}d}"


def pending_hold_item(hold: Hold) -> dict[str, Any]:
    """A new hold's item, with the keys that put it on the PendingHolds index until it ends."""
    shard = zlib.crc32(hold.hold_id.encode()) % PENDING_HOLD_SHARDS
    return {**hold_item(hold), PENDING_SHARD: _s(pending_shard(shard)), PENDING_DUE: _s(_due(hold.expires_at_ms))}


def is_unindexed_pending_hold(item: dict[str, Any]) -> bool:
    """A hold stored as pending without the PendingHolds keys: placed before the index existed."""
    return (
        item.get("PK", {}).get("S", "").startswith("HOLD#")
        and item.get("status", {}).get("S") == HoldStatus.PENDING.value
        and PENDING_SHARD not in item
    )


def hold_item(hold: Hold) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": _s(hold_pk(hold.hold_id)),
        "SK": _s("HOLD"),
        "entityType": _s("HOLD"),
        "holdId": _s(hold.hold_id),
        "idempotentKey": _s(hold.idempotent_key),
        "userId": _s(hold.user_id),
        "currency": _s(hold.currency),
        "scale": _n(hold.scale),
        "amountMinor": _n(hold.amount_minor),
        "expiresAtMs": _n(hold.expires_at_ms),
        "createdAt": _s(hold.created_at),
        "status": _s(hold.stored_status.value),
        "capturedMinor": _n(hold.captured_minor),
        # A user's holds, newest first, on the ByTime index (beside its ledger entries' own keys).
        TIME_KEY: _s(f"HOLDS#{hold.user_id}"),
        TIME_SORT: _s(f"{hold.created_at}#{hold.hold_id}"),
    }
    for name, value in (
        ("description", hold.description),
        ("transactionId", hold.transaction_id),
        ("capturedTo", hold.captured_to),
        ("endedAt", hold.ended_at),
    ):
        if value is not None:
            item[name] = _s(value)
    if hold.metadata is not None:
        item["metadata"] = {"M": {name: _s(value) for name, value in hold.metadata.items()}}
    if hold.available_after_minor is not None:
        item["availableAfterMinor"] = _n(hold.available_after_minor)
    return item


def hold_from_item(item: dict[str, Any]) -> Hold:
    return Hold(
        hold_id=item["holdId"]["S"],
        idempotent_key=item["idempotentKey"]["S"],
        user_id=item["userId"]["S"],
        currency=item["currency"]["S"],
        scale=int(item["scale"]["N"]),
        amount_minor=int(item["amountMinor"]["N"]),
        expires_at_ms=int(item["expiresAtMs"]["N"]),
        created_at=item["createdAt"]["S"],
        stored_status=HoldStatus(item["status"]["S"]),
        description=_optional_text(item, "description"),
        metadata=_metadata(item),
        captured_minor=int(item.get("capturedMinor", {}).get("N", "0")),
        transaction_id=_optional_text(item, "transactionId"),
        captured_to=_optional_text(item, "capturedTo"),
        ended_at=_optional_text(item, "endedAt"),
        available_after_minor=int(item["availableAfterMinor"]["N"]) if "availableAfterMinor" in item else None,
    )


def entry_item(entry: LedgerEntry) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": _s(user_pk(entry.user_id)),
        "SK": _s(ledger_sk(entry.currency, entry.sequence)),
        "entityType": _s("LEDGER_ENTRY"),
        "transactionId": _s(entry.transaction_id),
        "idempotentKey": _s(entry.idempotent_key),
        "userId": _s(entry.user_id),
        "currency": _s(entry.currency),
        "scale": _n(entry.scale),
        "type": _s(entry.type.value),
        "amountMinor": _n(entry.amount_minor),
        "balanceAfterMinor": _n(entry.balance_after_minor),
        "sequence": _n(entry.sequence),
        "createdAt": _s(entry.created_at),
        "counterparty": _s(entry.counterparty),
        TIME_KEY: _s(time_key(entry.user_id, entry.currency)),
        TIME_SORT: _s(time_sort(entry.created_at, entry.sequence)),
    }
    if entry.description is not None:
        item["description"] = _s(entry.description)
    if entry.metadata is not None:
        item["metadata"] = {"M": {name: _s(value) for name, value in entry.metadata.items()}}
    if entry.transfer_id is not None:
        item["transferId"] = _s(entry.transfer_id)
    if entry.reversal_of is not None:
        item["reversalOf"] = _s(entry.reversal_of)
    if entry.hold_id is not None:
        item["holdId"] = _s(entry.hold_id)
    if entry.hash is not None and entry.previous_hash is not None:
        item["previousHash"] = _s(entry.previous_hash)
        item["hash"] = _s(entry.hash)
    return item


def entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=item["transactionId"]["S"],
        idempotent_key=item["idempotentKey"]["S"],
        user_id=item["userId"]["S"],
        currency=item["currency"]["S"],
        scale=int(item["scale"]["N"]),
        type=EntryType(item["type"]["S"]),
        amount_minor=int(item["amountMinor"]["N"]),
        balance_after_minor=int(item["balanceAfterMinor"]["N"]),
        sequence=int(item["sequence"]["N"]),
        created_at=item["createdAt"]["S"],
        counterparty=item["counterparty"]["S"],
        description=_optional_text(item, "description"),
        metadata=_metadata(item),
        transfer_id=_optional_text(item, "transferId"),
        reversal_of=_optional_text(item, "reversalOf"),
        hold_id=_optional_text(item, "holdId"),
        previous_hash=_optional_text(item, "previousHash"),
        hash=_optional_text(item, "hash"),
    )


def _system_entry_item(entry: SystemEntry) -> dict[str, Any]:
    return {
        "PK": _s(system_pk(entry.account, entry.currency, entry.bucket)),
        "SK": _s(system_entry_sk(entry)),
        "entityType": _s("SYSTEM_ENTRY"),
        "account": _s(entry.account),
        "currency": _s(entry.currency),
        "bucket": _n(entry.bucket),
        "amountMinor": _n(entry.amount_minor),
        "transactionId": _s(entry.transaction_id),
        "leg": _s(entry.leg),
        "userId": _s(entry.user_id),
        "idempotentKey": _s(entry.idempotent_key),
        "createdAt": _s(entry.created_at),
    }


def system_entry_from_item(item: dict[str, Any]) -> SystemEntry:
    return SystemEntry(
        account=item["account"]["S"],
        currency=item["currency"]["S"],
        bucket=int(item["bucket"]["N"]),
        amount_minor=int(item["amountMinor"]["N"]),
        transaction_id=item["transactionId"]["S"],
        leg=item["leg"]["S"],
        user_id=item["userId"]["S"],
        idempotent_key=item["idempotentKey"]["S"],
        created_at=item["createdAt"]["S"],
    )


def checkpoint_from_item(item: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        total_minor=int(item["totalMinor"]["N"]), through_sk=item["throughSk"]["S"], version=int(item["version"]["N"])
    )


def _key_record_item(record: KeyRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": _s(key_pk(record.idempotent_key)),
        "SK": _s("TXKEY"),
        "entityType": _s("IDEMPOTENCY_KEY"),
        "idempotentKey": _s(record.idempotent_key),
        "request": _s(record.request),
        "outcome": _s(record.outcome.value),
        "createdAt": _s(record.created_at),
    }
    if record.entries:
        item["entries"] = {"L": [{"M": entry_item(entry)} for entry in record.entries]}
        item[MOVEMENT_ID] = _s(record.entries[0].transaction_id)
    if record.hold is not None:
        item["hold"] = {"M": hold_item(record.hold)}
    if record.declined_because is not None:
        item["declinedBecause"] = _s(record.declined_because)
    return item


def key_record_from_item(item: dict[str, Any]) -> KeyRecord:
    return KeyRecord(
        idempotent_key=item["idempotentKey"]["S"],
        request=item["request"]["S"],
        outcome=Outcome(item["outcome"]["S"]),
        created_at=item["createdAt"]["S"],
        entries=tuple(entry_from_item(entry["M"]) for entry in item.get("entries", {}).get("L", [])),
        reversed_minor=int(item.get("reversedMinor", {}).get("N", "0")),
        hold=hold_from_item(item["hold"]["M"]) if "hold" in item else None,
        declined_because=_optional_text(item, "declinedBecause"),
    )
