"""All DynamoDB access for the Wallet table. AWS errors become the exceptions below or domain errors.

Single-table layout (see docs/decisions.md):
  USER#<userId>                 BALANCE#<ccy>                    a user's balance and its version (entry count)
  USER#<userId>                 LEDGER#<ccy>#<seq:012d>          one immutable entry per movement leg
  TXKEY#<key>                   TXKEY                            the permanent outcome of an idempotency key
  SYSTEM#<account>#<ccy>#<b:02d> ENTRY#<createdAt>#<txId>#<leg>  one immutable system-account leg
  SYSTEM#<account>#<ccy>#<b:02d> CHECKPOINT                      the folded total of that bucket's older entries
"""

import contextlib
import hashlib
import json
import queue
import threading
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from wallet.errors import ServiceUnavailable
from wallet.models import (
    Account,
    AccountKey,
    EntryType,
    Hold,
    HoldStatus,
    KeyRecord,
    LedgerEntry,
    Outcome,
    SystemEntry,
)

_SEQUENCE_DIGITS = 12
_RETRYABLE_CODES = {
    "TransactionConflict",  # a cancellation reason inside TransactWriteItems
    "TransactionConflictException",  # a single-item write on an item a transaction holds
    "TransactionInProgressException",
    "ThrottlingError",
    "ThrottlingException",
    "ProvisionedThroughputExceeded",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
}
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

_SCAN_PAGE_ITEMS = 100  # items handed from a scan segment to the reader at a time


class KeyAlreadyUsed(Exception):
    def __init__(self, record: KeyRecord):
        super().__init__(record.idempotent_key)
        self.record = record


class StaleAccount(Exception):
    """A balance changed since it was read. current maps each stale account to its fresh state, or to
    None when DynamoDB did not return it (then it must be read again)."""

    def __init__(self, current: dict[AccountKey, Account | None]):
        super().__init__("stale account")
        self.current = current


class WriteContention(Exception):
    """DynamoDB cancelled or throttled the write; retrying the same write is safe."""


class ReversalBudgetChanged(Exception):
    """Another reversal of the same movement committed since its record was read."""


@dataclass(frozen=True)
class ReversalBudget:
    """Moves an original movement's reversedMinor from `before` to `after` (only if still at `before`)."""

    original_key: str
    before: int
    after: int


@dataclass(frozen=True)
class AccountWrite:
    """A balance item's next state, applied only if the account is still as read: the new balance, a new
    ledger entry (if any), the holds map (None: unchanged) and the rate limit's state (None: unchanged)."""

    account: Account
    balance_minor: int
    updated_at: str
    entry: LedgerEntry | None = None
    holds: dict[str, tuple[int, int]] | None = None
    rate_tat_us: int | None = None

    @classmethod
    def for_entry(
        cls, account: Account, entry: LedgerEntry, holds: dict[str, tuple[int, int]] | None = None
    ) -> "AccountWrite":
        return cls(account, entry.balance_after_minor, entry.created_at, entry, holds)

    @property
    def key(self) -> AccountKey:
        return (self.account.user_id, self.account.currency)


class HoldChanged(Exception):
    """The hold ended or expired since it was read."""


@dataclass(frozen=True)
class HoldEnding:
    """Ends a pending, unexpired hold: captured (with the capture's movement) or voided."""

    hold: Hold
    status: HoldStatus
    ended_at: str
    now_ms: int
    captured_minor: int = 0
    transaction_id: str | None = None
    captured_to: str | None = None


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


class WalletRepository:
    def __init__(self, client: Any, table_name: str):
        self._client = client
        self._table = table_name

    # --- user accounts -------------------------------------------------------------------------

    def get_account(self, user_id: str, currency: str) -> Account | None:
        item = self._call(
            "get_item",
            TableName=self._table,
            Key={"PK": _s(user_pk(user_id)), "SK": _s(balance_sk(currency))},
            ConsistentRead=True,
        ).get("Item")
        return account_from_item(item) if item else None

    def get_accounts(self, keys: Sequence[AccountKey]) -> dict[AccountKey, Account]:
        """Strongly consistent reads of several balances in one call; accounts never written are absent."""
        if len(keys) == 1:
            account = self.get_account(*keys[0])
            return {keys[0]: account} if account else {}
        items = self._batch_get([(user_pk(user), balance_sk(currency)) for user, currency in keys])
        accounts = [account_from_item(item) for item in items]
        return {(account.user_id, account.currency): account for account in accounts}

    def list_entries(
        self, user_id: str, currency: str, limit: int, before_sequence: int | None
    ) -> tuple[list[LedgerEntry], bool]:
        """Newest first. Returns the entries and whether older ones remain."""
        values = {":pk": _s(user_pk(user_id)), ":prefix": _s(ledger_sk_prefix(currency))}
        condition = "PK = :pk AND begins_with(SK, :prefix)"
        if before_sequence is not None:
            condition = "PK = :pk AND SK BETWEEN :prefix AND :upper"
            values[":upper"] = _s(ledger_sk(currency, before_sequence - 1))
        response = self._call(
            "query",
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=limit + 1,  # one extra tells whether there is a next page
        )
        entries = [entry_from_item(item) for item in response.get("Items", [])]
        return entries[:limit], len(entries) > limit

    def balance_at(self, user_id: str, currency: str, at: str) -> int | None:
        """The balance right after the account's last entry created at or before `at`; None if there is none.

        One query on the ByTime index (eventually consistent: an entry becomes visible there within
        moments of its commit)."""
        response = self._call(
            "query",
            TableName=self._table,
            IndexName=BY_TIME_INDEX,
            KeyConditionExpression="timeKey = :key AND timeSort < :after",
            ExpressionAttributeValues={":key": _s(time_key(user_id, currency)), ":after": _s(f"{at}$")},  # $ > #
            ProjectionExpression="balanceAfterMinor",
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        return int(items[0]["balanceAfterMinor"]["N"]) if items else None

    def list_entries_between(
        self, user_id: str, currency: str, start: str, end: str, limit: int, before: LedgerEntry | None
    ) -> tuple[list[LedgerEntry], bool]:
        """Entries created in [start, end), newest first, from the ByTime index; `before` is the last
        entry of the previous page."""
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_TIME_INDEX,
            "KeyConditionExpression": "timeKey = :key AND timeSort BETWEEN :start AND :end",
            "ExpressionAttributeValues": {
                ":key": _s(time_key(user_id, currency)),
                ":start": _s(f"{start}#"),
                ":end": _s(f"{end}#"),  # below every key created at `end` itself: `end` is exclusive
            },
            "ScanIndexForward": False,
            "Limit": limit + 1,
        }
        if before is not None:
            item = entry_item(before)
            query["ExclusiveStartKey"] = {name: item[name] for name in ("PK", "SK", "timeKey", "timeSort")}
        entries = [entry_from_item(item) for item in self._call("query", **query).get("Items", [])]
        return entries[:limit], len(entries) > limit

    # --- movements -----------------------------------------------------------------------------

    def commit(
        self,
        key_record: KeyRecord,
        writes: Sequence[AccountWrite],
        system_entries: Sequence[SystemEntry] = (),
        budget: ReversalBudget | None = None,
        new_hold: Hold | None = None,
        hold_ending: HoldEnding | None = None,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None:
        """One transaction: the key's record, every balance with its ledger entry, every system leg, and as
        the operation needs: the reversed original's budget, a new hold, or the end of one; `extra` items
        (TransactWriteItems actions, unconditional) travel with them as given.

        Raises KeyAlreadyUsed if the key has an outcome, StaleAccount if a balance moved since it was
        read, ReversalBudgetChanged if another reversal of the original committed meanwhile, HoldChanged
        if the hold ended or expired meanwhile, WriteContention if DynamoDB cancelled the transaction for
        a transient reason.
        """
        tagged: list[tuple[str, Any, dict[str, Any]]] = [("key", None, {"Put": self._put_key_record(key_record)})]
        tagged += [("balance", write, {"Update": self._balance_update(write)}) for write in writes]
        tagged += [("entry", write, {"Put": self._put_new(entry_item(write.entry))}) for write in writes if write.entry]
        tagged += [("leg", None, {"Put": self._put_new(_system_entry_item(leg))}) for leg in system_entries]
        if budget is not None:
            tagged.append(("budget", None, {"Update": self._budget_update(budget)}))
        if new_hold is not None:
            tagged.append(("hold", None, {"Put": self._put_new(pending_hold_item(new_hold))}))
        if hold_ending is not None:
            tagged.append(("hold", None, {"Update": self._hold_ending_update(hold_ending)}))
        tagged += [("extra", None, item) for item in extra]
        items = [item for _, _, item in tagged]
        try:
            self._call("transact_write_items", TransactItems=items, ClientRequestToken=_request_token(items))
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            self._raise_cancellation(error, tagged)

    def _raise_cancellation(self, error: ClientError, tagged: list[tuple[str, Any, dict[str, Any]]]) -> None:
        reasons = error.response.get("CancellationReasons", [])
        failed = [
            (tag, subject, reason)
            for (tag, subject, _), reason in zip(tagged, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]
        if any(tag == "key" for tag, _, _ in failed):
            raise KeyAlreadyUsed(key_record_from_item(reasons[0]["Item"])) from error
        if any(reason.get("Code") in _RETRYABLE_CODES for reason in reasons):
            raise WriteContention() from error
        if any(tag == "budget" for tag, _, _ in failed):
            raise ReversalBudgetChanged() from error
        if any(tag == "hold" for tag, _, _ in failed):
            raise HoldChanged() from error
        stale: dict[AccountKey, Account | None] = {}
        for tag, write, reason in failed:
            if tag == "balance":
                stale[write.key] = account_from_item(reason["Item"]) if reason.get("Item") else None
            elif tag == "entry":
                stale.setdefault(write.key, None)  # only the ledger row clashed: read the balance anew
        if stale:
            raise StaleAccount(stale) from error
        raise error

    def _hold_ending_update(self, ending: HoldEnding) -> dict[str, Any]:
        values: dict[str, Any] = {
            ":status": _s(ending.status.value),
            ":ended": _s(ending.ended_at),
            ":captured": _n(ending.captured_minor),
            ":pending": _s(HoldStatus.PENDING.value),
            ":now": _n(ending.now_ms),
        }
        update = "SET #status = :status, endedAt = :ended, capturedMinor = :captured"
        if ending.transaction_id is not None:
            update += ", transactionId = :transaction, capturedTo = :to"
            values.update({":transaction": _s(ending.transaction_id), ":to": _s(ending.captured_to or "")})
        update += f" REMOVE {PENDING_SHARD}, {PENDING_DUE}"  # an ended hold leaves the PendingHolds index
        return {
            "TableName": self._table,
            "Key": {"PK": _s(hold_pk(ending.hold.hold_id)), "SK": _s("HOLD")},
            "UpdateExpression": update,
            # Capture and void need a hold still pending and unexpired; expiry needs it pending and past due.
            "ConditionExpression": "#status = :pending AND expiresAtMs "
            + ("<= :now" if ending.status is HoldStatus.EXPIRED else "> :now"),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }

    def _budget_update(self, budget: ReversalBudget) -> dict[str, Any]:
        values = {":after": _n(budget.after), ":applied": _s("APPLIED")}
        condition = "outcome = :applied AND "
        if budget.before == 0:
            condition += "attribute_not_exists(reversedMinor)"
        else:
            condition += "reversedMinor = :before"
            values[":before"] = _n(budget.before)
        return {
            "TableName": self._table,
            "Key": {"PK": _s(key_pk(budget.original_key)), "SK": _s("TXKEY")},
            "UpdateExpression": "SET reversedMinor = :after",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }

    def get_key_record(self, idempotent_key: str) -> KeyRecord | None:
        item = self._call(
            "get_item",
            TableName=self._table,
            Key={"PK": _s(key_pk(idempotent_key)), "SK": _s("TXKEY")},
            ConsistentRead=True,
        ).get("Item")
        return key_record_from_item(item) if item else None

    def find_movement(self, transaction_id: str) -> KeyRecord | None:
        """The applied key record whose movement has this id (the index finds it within moments of its
        commit; the record itself is then read strongly consistent)."""
        response = self._call(
            "query",
            TableName=self._table,
            IndexName=BY_MOVEMENT_INDEX,
            KeyConditionExpression="movementId = :id",
            ExpressionAttributeValues={":id": _s(transaction_id)},
            Limit=1,
        )
        items = response.get("Items", [])
        if not items:
            return None
        return self.get_key_record(items[0]["PK"]["S"].removeprefix("TXKEY#"))

    def record_declined(self, record: KeyRecord) -> None:
        """Make a decline the permanent answer for its key; KeyAlreadyUsed if it has one."""
        try:
            self._call("put_item", **self._put_key_record(record))
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise KeyAlreadyUsed(key_record_from_item(error.response["Item"])) from error

    def _balance_update(self, write: AccountWrite) -> dict[str, Any]:
        account = write.account
        values: dict[str, Any] = {
            ":balance": _n(write.balance_minor),
            ":version": _n(account.version + 1),
            ":entries": _n(account.entries + (1 if write.entry else 0)),
            ":now": _s(write.updated_at),
        }
        update = "SET balanceMinor = :balance, version = :version, entryCount = :entries, updatedAt = :now"
        if write.holds is not None:
            update += ", holds = :holds"
            values[":holds"] = _holds_value(write.holds)
        if write.rate_tat_us is not None:
            update += ", rateTatUs = :tat"
            values[":tat"] = _n(write.rate_tat_us)
        if account.version == 0:
            condition = "attribute_not_exists(PK)"
        else:
            condition = "version = :expected"
            values[":expected"] = _n(account.version)
        return {
            "TableName": self._table,
            "Key": {"PK": _s(user_pk(account.user_id)), "SK": _s(balance_sk(account.currency))},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _put_key_record(self, record: KeyRecord) -> dict[str, Any]:
        return {**self._put_new(_key_record_item(record)), "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}

    # --- holds ---------------------------------------------------------------------------------

    def get_hold(self, hold_id: str) -> Hold | None:
        item = self._call(
            "get_item", TableName=self._table, Key={"PK": _s(hold_pk(hold_id)), "SK": _s("HOLD")}, ConsistentRead=True
        ).get("Item")
        return hold_from_item(item) if item else None

    def list_holds(
        self, user_id: str, status: HoldStatus | None, now_ms: int, limit: int, after: tuple[str, str] | None
    ) -> tuple[list[Hold], tuple[str, str] | None]:
        """A user's holds newest first (ByTime index), optionally of one status; returns them and where
        the next page starts ((createdAt, holdId) of the last one), or None on the last page."""
        names, values = {}, {":key": _s(f"HOLDS#{user_id}")}
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BY_TIME_INDEX,
            "KeyConditionExpression": "timeKey = :key",
            "ScanIndexForward": False,
        }
        if status is not None:
            names["#status"] = "status"
            values[":status"] = _s(status.value)
            query["FilterExpression"] = {
                HoldStatus.PENDING: "#status = :status AND expiresAtMs > :now",
                # expired: marked by the sweep, or still pending past its expiry
                HoldStatus.EXPIRED: "#status = :status OR (#status = :pending AND expiresAtMs <= :now)",
            }.get(status, "#status = :status")
            if status in (HoldStatus.PENDING, HoldStatus.EXPIRED):
                values[":now"] = _n(now_ms)
            if status is HoldStatus.EXPIRED:
                values[":pending"] = _s(HoldStatus.PENDING.value)
            query["ExpressionAttributeNames"] = names
        query["ExpressionAttributeValues"] = values
        if after is not None:
            created_at, hold_id = after
            query["ExclusiveStartKey"] = {
                "PK": _s(hold_pk(hold_id)),
                "SK": _s("HOLD"),
                TIME_KEY: _s(f"HOLDS#{user_id}"),
                TIME_SORT: _s(f"{created_at}#{hold_id}"),
            }
        holds: list[Hold] = []
        while len(holds) < limit:  # a filter can leave a page short: read on until the limit or the end
            query["Limit"] = limit - len(holds)
            response = self._call("query", **query)
            holds += [hold_from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return holds, None
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        last = holds[-1]
        return holds, (last.created_at, last.hold_id)

    # --- system accounts -----------------------------------------------------------------------

    def get_checkpoints(self, account: str, currency: str, buckets: int) -> dict[int, Checkpoint]:
        """The checkpoints of a system account's buckets (strongly consistent); buckets never folded are absent."""
        keys = [(system_pk(account, currency, bucket), CHECKPOINT_SK) for bucket in range(buckets)]
        return {int(item["PK"]["S"].rsplit("#", 1)[1]): checkpoint_from_item(item) for item in self._batch_get(keys)}

    def sum_system_entries(
        self, account: str, currency: str, bucket: int, after_sk: str, before_sk: str = ENTRY_SK_END
    ) -> tuple[int, str | None]:
        """Sum of the bucket's entries with after_sk < SK < before_sk, and the last SK summed."""
        total, last = 0, None
        query: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND SK > :after",
            "ExpressionAttributeValues": {":pk": _s(system_pk(account, currency, bucket)), ":after": _s(after_sk)},
            "ProjectionExpression": "SK, amountMinor",
            "ConsistentRead": True,
        }
        for item in self._items("query", query):  # ascending: stop at the first key past the window
            if item["SK"]["S"] >= before_sk:
                break
            total += int(item["amountMinor"]["N"])
            last = item["SK"]["S"]
        return total, last

    def save_checkpoint(self, account: str, currency: str, bucket: int, new: Checkpoint, expected_version: int) -> bool:
        """Store a folded total if nobody else folded the bucket meanwhile; False if somebody did."""
        condition = "attribute_not_exists(PK)" if expected_version == 0 else "version = :expected"
        values = {":total": _n(new.total_minor), ":through": _s(new.through_sk), ":version": _n(new.version)}
        if expected_version:
            values[":expected"] = _n(expected_version)
        try:
            self._call(
                "update_item",
                TableName=self._table,
                Key={"PK": _s(system_pk(account, currency, bucket)), "SK": _s(CHECKPOINT_SK)},
                UpdateExpression="SET totalMinor = :total, throughSk = :through, version = :version",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _batch_get(self, keys: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        request = {self._table: {"Keys": [{"PK": _s(pk), "SK": _s(sk)} for pk, sk in keys], "ConsistentRead": True}}
        items: list[dict[str, Any]] = []
        while request:
            response = self._call("batch_get_item", RequestItems=request)
            items += response.get("Responses", {}).get(self._table, [])
            request = response.get("UnprocessedKeys") or {}
        return items

    # --- whole table ---------------------------------------------------------------------------

    def scan(self, segment: int = 0, total_segments: int = 1) -> Iterator[dict[str, Any]]:
        """Every item of the table (one parallel-scan segment), page by page, as raw DynamoDB items."""
        request: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True}
        if total_segments > 1:
            request.update(Segment=segment, TotalSegments=total_segments)
        return self._items("scan", request)

    def _items(self, operation: str, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item a scan or query returns, page after page."""
        while True:
            response = self._call(operation, **request)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def overdue_holds(self, now_ms: int) -> Iterator[Hold]:
        """Holds still stored as pending though past their expiry, from the sparse PendingHolds index: one
        query per shard reads only the overdue ones (the index is eventually consistent; the sweep's own
        write re-checks each hold under a condition)."""
        for shard in range(PENDING_HOLD_SHARDS):
            query: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": PENDING_HOLDS_INDEX,
                "KeyConditionExpression": f"{PENDING_SHARD} = :shard AND {PENDING_DUE} < :after",
                "ExpressionAttributeValues": {":shard": _s(pending_shard(shard)), ":after": _s(_due(now_ms + 1))},
            }
            yield from (hold_from_item(item) for item in self._items("query", query))

    def applied_key_records(self, start: str, end: str) -> Iterator[dict[str, Any]]:
        """Raw items of the applied key records created in [start, end] (ISO instants), in no order."""
        request = {
            "TableName": self._table,
            "ConsistentRead": True,
            "FilterExpression": "begins_with(PK, :key) AND outcome = :applied AND createdAt BETWEEN :start AND :end",
            "ExpressionAttributeValues": {
                ":key": _s(key_pk("")),
                ":applied": _s(Outcome.APPLIED.value),
                ":start": _s(start),
                ":end": _s(end),
            },
        }
        return self._items("scan", request)

    def scan_parallel(self, segments: int, buffered_pages: int = 8) -> Iterator[dict[str, Any]]:
        """Every item, read by `segments` parallel scans; at most `buffered_pages` pages wait in memory."""
        if segments <= 1:
            yield from self.scan()
            return
        pages: queue.Queue[list[dict[str, Any]] | BaseException | None] = queue.Queue(maxsize=buffered_pages)
        stop = threading.Event()

        def read(segment: int) -> None:
            try:
                page: list[dict[str, Any]] = []
                for item in self.scan(segment, segments):
                    if stop.is_set():
                        return
                    page.append(item)
                    if len(page) == _SCAN_PAGE_ITEMS:
                        pages.put(page)
                        page = []
                pages.put(page)
                pages.put(None)
            except BaseException as error:  # handed to the reader, which raises it
                pages.put(error)

        with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="scan") as pool:
            readers = [pool.submit(read, segment) for segment in range(segments)]
            try:
                finished = 0
                while finished < segments:
                    page = pages.get()
                    if page is None:
                        finished += 1
                    elif isinstance(page, BaseException):
                        raise page
                    else:
                        yield from page
            finally:  # the reader stopped early or failed: unblock and stop the segments
                stop.set()
                while not all(reader.done() for reader in readers):
                    with contextlib.suppress(queue.Empty):
                        pages.get(timeout=0.05)

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] in _RETRYABLE_CODES:
                raise ServiceUnavailable("The wallet store is busy; retry with the same idempotency key.") from error
            raise
        except BotoCoreError as error:  # connection failures and timeouts after botocore's own retries
            raise ServiceUnavailable("The wallet store did not answer; retry with the same idempotency key.") from error


def _request_token(items: list[dict[str, Any]]) -> str:
    # Same write, same token: a botocore retry after a lost response is not applied twice.
    return hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:36]


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _optional_text(item: dict[str, Any], name: str) -> str | None:
    return item[name]["S"] if name in item else None


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
    )
