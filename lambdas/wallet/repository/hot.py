"""A hot account's queue and its writer's lease, in one partition per account beside its balance:

  QUEUE#<userId>#<ccy>  LEASE                       owner, fence, leaseUntilMs, cursor, refused, hotUntilMs
  QUEUE#<userId>#<ccy>  Q#<arrivedMs:015d>#<uuid>   one waiting movement: its key and request (TTL)

The writer that holds the lease commits the waiting movements after `cursor` in arrival order; every
group transaction carries the lease item under the condition `fence = <its fence>`, advances the cursor
and renews the lease, so a writer whose lease was taken over can never commit again, and a queue item is
behind the cursor exactly when its movement's outcome committed (or the item was refused, see `refused`).
Queue items are never rewritten: they expire through the table's TTL.
"""

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from wallet.models import Account, AccountKey, KeyRecord, LedgerEntry, SystemEntry
from wallet.repository.items import (
    _n,
    _s,
    account_from_item,
    key_pk,
    key_record_from_item,
)
from wallet.repository.movements import AccountWrite, MovementStore, Tagged
from wallet.repository.table import _RETRYABLE_CODES

QUEUE_TTL_SECONDS = 24 * 3600  # a queue item outlives any wait for it by far; TTL deletes it for free
LEASE_SK = "LEASE"
_QUEUE_PREFIX = "Q#"
_ARRIVAL_DIGITS = 15


def queue_pk(account: AccountKey) -> str:
    return f"QUEUE#{account[0]}#{account[1]}"


@dataclass(frozen=True)
class LeaseView:
    """What anyone may read of an account's lease: how far its queue is committed, until when the current
    writer holds it (epoch ms; 0 or past: free), the queue items refused by the rate limit (item sort key ->
    epoch ms when the account's budget allows one more) and those whose key already had its outcome (item
    sort key -> epoch ms noted): their callers answer with a replay."""

    cursor: str = ""
    until_ms: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    replayed: dict[str, int] = field(default_factory=dict)
    heir: str = ""  # the queue item whose caller the last writer handed the lease to
    hot_until_ms: int = 0  # until when the last group left the account hot (see wallet.service.group_commit)


@dataclass(frozen=True)
class Lease(LeaseView):
    """A lease held: its fence number is the condition of every group commit made under it."""

    account: AccountKey = ("", "")
    owner: str = ""
    fence: int = 0


@dataclass(frozen=True)
class Queued:
    """A movement waiting in an account's queue."""

    sk: str
    idempotent_key: str
    request: str


class GroupCancelled(Exception):
    """A group transaction was cancelled. used: keys that already have an outcome (their record); stale:
    balances that moved since they were read (fresh state, or None to read again); fenced: the lease was
    taken over; contention: DynamoDB cancelled or throttled it (retry)."""

    def __init__(
        self,
        used: dict[str, KeyRecord],
        stale: dict[AccountKey, Account | None],
        fenced: bool,
        contention: bool,
    ):
        super().__init__("group cancelled")
        self.used, self.stale, self.fenced, self.contention = used, stale, fenced, contention


class HotQueueStore(MovementStore):
    def enqueue(self, account: AccountKey, idempotent_key: str, request: str, now_ms: int) -> str:
        """Queue a movement durably; returns its place (sort key), in arrival order."""
        sk = f"{_QUEUE_PREFIX}{now_ms:0{_ARRIVAL_DIGITS}d}#{uuid.uuid4()}"
        self._call(
            "put_item",
            TableName=self._table,
            Item={
                "PK": _s(queue_pk(account)),
                "SK": _s(sk),
                "idempotentKey": _s(idempotent_key),
                "request": _s(request),
                "expiresAt": _n(int(time.time()) + QUEUE_TTL_SECONDS),
            },
        )
        return sk

    def acquire_lease(
        self, account: AccountKey, owner: str, now_ms: int, lease_ms: int, place: str = ""
    ) -> Lease | LeaseView:
        """Take the account's lease if it is free or expired, or handed to the queue item at `place`, with
        the next fence number; otherwise return the lease as it stands (so the caller knows when it expires)."""
        try:
            item = self._call(
                "update_item",
                expected={"ConditionalCheckFailedException", "TransactionConflictException"},
                TableName=self._table,
                Key=self._lease_key(account),
                UpdateExpression="SET #owner = :owner, leaseUntilMs = :until, "
                "fence = if_not_exists(fence, :zero) + :one REMOVE heir",
                ConditionExpression="attribute_not_exists(PK) OR leaseUntilMs < :now OR heir = :place",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":owner": _s(owner),
                    ":until": _n(now_ms + lease_ms),
                    ":zero": _n(0),
                    ":one": _n(1),
                    ":now": _n(now_ms),
                    ":place": _s(place or "-"),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                return _lease_view(error.response.get("Item", {}))
            if code == "TransactionConflictException":  # its holder is committing a group right now
                return LeaseView(until_ms=now_ms + lease_ms)
            raise
        return Lease(**vars(_lease_view(item)), account=account, owner=owner, fence=int(item["fence"]["N"]))

    def release_lease(self, lease: Lease, heir: str | None = None, heir_until_ms: int = 0) -> None:
        """Free the lease (it would expire anyway): for anyone, or until heir_until_ms only for the caller
        of the queue item `heir` (the oldest still waiting, so waiting callers do not all race for it). A
        no-op if it was taken over meanwhile."""
        values = {":fence": _n(lease.fence), ":until": _n(heir_until_ms if heir else 0)}
        update = "SET leaseUntilMs = :until REMOVE heir"
        if heir:
            update = "SET leaseUntilMs = :until, heir = :heir"
            values[":heir"] = _s(heir)
        try:
            self._call(
                "update_item",
                TableName=self._table,
                Key=self._lease_key(lease.account),
                UpdateExpression=update,
                ConditionExpression="fence = :fence",
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def waiting(self, lease: Lease, limit: int) -> list[Queued]:
        """The oldest movements queued after the lease's cursor (strongly consistent, arrival order)."""
        response = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND SK BETWEEN :after AND :end",
            ExpressionAttributeValues={
                ":pk": _s(queue_pk(lease.account)),
                ":after": _s(lease.cursor + "\x00" if lease.cursor else _QUEUE_PREFIX),
                ":end": _s(_QUEUE_PREFIX + "~"),
            },
            ConsistentRead=True,
            Limit=limit,
        )
        return [
            Queued(item["SK"]["S"], item["idempotentKey"]["S"], item["request"]["S"])
            for item in response.get("Items", [])
        ]

    def look(self, account: AccountKey, idempotent_key: str) -> tuple[KeyRecord | None, LeaseView]:
        """A waiting movement's key record (None: no outcome yet) and its account's lease, in one call."""
        items = self._batch_get([(key_pk(idempotent_key), "TXKEY"), (queue_pk(account), LEASE_SK)])
        record, view = None, LeaseView()
        for item in items:
            if item["SK"]["S"] == LEASE_SK:
                view = _lease_view(item)
            else:
                record = key_record_from_item(item)
        return record, view

    def commit_group(
        self,
        lease: Lease,
        writes: Sequence[AccountWrite],
        entries: Sequence[LedgerEntry],
        key_records: Sequence[KeyRecord],
        legs: Sequence[SystemEntry],
    ) -> None:
        """One transaction for a group of queued movements: the lease item (fenced; the new cursor, expiry
        and refusals), each balance touched once (its final state, under the version read), every ledger
        entry, key record and system leg. Raises GroupCancelled."""
        tagged: Tagged = [("lease", None, {"Update": self._lease_commit(lease)})]
        tagged += self._movement_actions(key_records, writes, entries, legs)
        cancelled = self._transact(tagged)
        if cancelled is not None:
            raise _group_cancellation(cancelled, tagged) from cancelled

    def _lease_commit(self, lease: Lease) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": self._lease_key(lease.account),
            "UpdateExpression": "SET #cursor = :cursor, leaseUntilMs = :until, refused = :refused, "
            "replayed = :replayed, hotUntilMs = :hot",
            "ConditionExpression": "fence = :fence",
            "ExpressionAttributeNames": {"#cursor": "cursor"},
            "ExpressionAttributeValues": {
                ":cursor": _s(lease.cursor),
                ":until": _n(lease.until_ms),
                ":refused": _notes(lease.refused),
                ":replayed": _notes(lease.replayed),
                ":hot": _n(lease.hot_until_ms),
                ":fence": _n(lease.fence),
            },
        }

    def _lease_key(self, account: AccountKey) -> dict[str, Any]:
        return {"PK": _s(queue_pk(account)), "SK": _s(LEASE_SK)}


def _lease_view(item: dict[str, Any]) -> LeaseView:
    return LeaseView(
        cursor=item.get("cursor", {}).get("S", ""),
        until_ms=int(item["leaseUntilMs"]["N"]) if "leaseUntilMs" in item else 0,
        refused={sk: int(value["N"]) for sk, value in item.get("refused", {}).get("M", {}).items()},
        replayed={sk: int(value["N"]) for sk, value in item.get("replayed", {}).get("M", {}).items()},
        heir=item.get("heir", {}).get("S", ""),
        hot_until_ms=int(item["hotUntilMs"]["N"]) if "hotUntilMs" in item else 0,
    )


def _notes(notes: dict[str, int]) -> dict[str, Any]:
    return {"M": {sk: _n(at) for sk, at in notes.items()}}


def _group_cancellation(error: ClientError, tagged: Tagged) -> GroupCancelled:
    reasons = error.response.get("CancellationReasons", [])
    used: dict[str, KeyRecord] = {}
    stale: dict[AccountKey, Account | None] = {}
    fenced = contention = False
    for (tag, subject, _), reason in zip(tagged, reasons, strict=False):
        code = reason.get("Code")
        if code in _RETRYABLE_CODES:
            contention = True
        elif code != "ConditionalCheckFailed":
            continue
        elif tag == "lease":
            fenced = True
        elif tag == "key":
            used[subject.idempotent_key] = key_record_from_item(reason["Item"])
        elif tag == "balance":
            stale[subject.key] = account_from_item(reason["Item"]) if reason.get("Item") else None
        elif tag == "entry":  # only the ledger row clashed: read the balance anew
            stale.setdefault((subject.user_id, subject.currency), None)
    if not (used or stale or fenced or contention):
        return GroupCancelled({}, {}, False, True)  # no reason given: retry from fresh state
    return GroupCancelled(used, stale, fenced, contention)
