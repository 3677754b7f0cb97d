"""Balances, ledger entries, key records, and the one transaction that commits a movement."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from wallet.models import (
    Account,
    AccountKey,
    Hold,
    HoldStatus,
    KeyRecord,
    LedgerEntry,
    SystemEntry,
)
from wallet.repository.items import (
    BY_MOVEMENT_INDEX,
    BY_TIME_INDEX,
    PENDING_DUE,
    PENDING_SHARD,
    _holds_value,
    _key_record_item,
    _n,
    _s,
    _system_entry_item,
    account_from_item,
    balance_sk,
    entry_from_item,
    entry_item,
    hold_pk,
    key_pk,
    key_record_from_item,
    ledger_sk,
    ledger_sk_prefix,
    pending_hold_item,
    time_key,
    user_pk,
)
from wallet.repository.table import (
    _RETRYABLE_CODES,
    TableAccess,
    _request_token,
)

# TransactWriteItems actions, each with what it is ("key", "balance", ...) and the object it writes.
Tagged = list[tuple[str, Any, dict[str, Any]]]


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
    """DynamoDB cancelled or throttled the write; retrying the same write is safe. accounts: the balances
    another transaction held (empty when only other items were contended or throttled)."""

    def __init__(self, accounts: Sequence[AccountKey] = ()):
        super().__init__("write contention")
        self.accounts = tuple(accounts)


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
    ledger entry (if any), the holds map (None: unchanged) and the rate limit's state (None: unchanged).
    A group commit writes several entries with one update: entry_count is then the account's new count,
    and hot_until_ms keeps the account in its queue a while (None: unchanged)."""

    account: Account
    balance_minor: int
    updated_at: str
    entry: LedgerEntry | None = None
    holds: dict[str, tuple[int, int]] | None = None
    rate_tat_us: int | None = None
    entry_count: int | None = None
    hot_until_ms: int | None = None
    head_hash: str | None = None  # the chain's new head (None: the entry's hash, or unchanged)
    earlier: tuple[LedgerEntry, ...] = ()  # entries before `entry` in the same movement (postings)

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        """Every ledger entry this write adds to the account, in sequence order."""
        return (*self.earlier, self.entry) if self.entry else self.earlier

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


class MovementStore(TableAccess):
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
        entries = [entry for write in writes for entry in write.entries]
        tagged = self._movement_actions([key_record], writes, entries, system_entries)
        if budget is not None:
            tagged.append(("budget", None, {"Update": self._budget_update(budget)}))
        if new_hold is not None:
            tagged.append(("hold", None, {"Put": self._put_new(pending_hold_item(new_hold))}))
        if hold_ending is not None:
            tagged.append(("hold", None, {"Update": self._hold_ending_update(hold_ending)}))
        tagged += [("extra", None, item) for item in extra]
        cancelled = self._transact(tagged)
        if cancelled is not None:
            self._raise_cancellation(cancelled, tagged)

    def _movement_actions(
        self,
        key_records: Sequence[KeyRecord],
        writes: Sequence[AccountWrite],
        entries: Sequence[LedgerEntry],
        legs: Sequence[SystemEntry],
    ) -> Tagged:
        """The actions every movement transaction holds, each tagged with what it is and its subject (to
        read a cancellation's reasons, which come in the same order)."""
        tagged: Tagged = [("key", record, {"Put": self._put_key_record(record)}) for record in key_records]
        tagged += [("balance", write, {"Update": self._balance_update(write)}) for write in writes]
        tagged += [("entry", entry, {"Put": self._put_new(entry_item(entry))}) for entry in entries]
        tagged += [("leg", None, {"Put": self._put_new(_system_entry_item(leg))}) for leg in legs]
        return tagged

    def _transact(self, tagged: Tagged) -> ClientError | None:
        """Sends the actions as one transaction: None once committed, or DynamoDB's cancellation."""
        items = [item for _, _, item in tagged]
        try:
            self._call("transact_write_items", TransactItems=items, ClientRequestToken=_request_token(items))
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            return error
        return None

    def _raise_cancellation(self, error: ClientError, tagged: Tagged) -> None:
        reasons = error.response.get("CancellationReasons", [])
        failed = [
            (tag, subject, reason)
            for (tag, subject, _), reason in zip(tagged, reasons, strict=False)
            if reason.get("Code") == "ConditionalCheckFailed"
        ]
        if any(tag == "key" for tag, _, _ in failed):
            raise KeyAlreadyUsed(key_record_from_item(reasons[0]["Item"])) from error
        contended = [
            (tag, subject)
            for (tag, subject, _), reason in zip(tagged, reasons, strict=False)
            if reason.get("Code") in _RETRYABLE_CODES
        ]
        if contended:
            raise WriteContention([subject.key for tag, subject in contended if tag == "balance"]) from error
        if any(tag == "budget" for tag, _, _ in failed):
            raise ReversalBudgetChanged() from error
        if any(tag == "hold" for tag, _, _ in failed):
            raise HoldChanged() from error
        stale: dict[AccountKey, Account | None] = {}
        for tag, write, reason in failed:
            if tag == "balance":
                stale[write.key] = account_from_item(reason["Item"]) if reason.get("Item") else None
            elif tag == "entry":
                stale.setdefault((write.user_id, write.currency), None)  # only the ledger row clashed: read again
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

    def start_chain(self, account: Account, head_hash: str) -> bool:
        """Gives an account whose entries predate the hash chain its chain head, if it is still as read
        and still has none; False if it moved meanwhile (read it again)."""
        try:
            self._call(
                "update_item",
                TableName=self._table,
                Key={"PK": _s(user_pk(account.user_id)), "SK": _s(balance_sk(account.currency))},
                UpdateExpression="SET headHash = :head",
                ConditionExpression="version = :version AND attribute_not_exists(headHash)",
                ExpressionAttributeValues={":head": _s(head_hash), ":version": _n(account.version)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

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
            ":entries": _n(
                write.entry_count if write.entry_count is not None else account.entries + len(write.entries)
            ),
            ":now": _s(write.updated_at),
        }
        update = "SET balanceMinor = :balance, version = :version, entryCount = :entries, updatedAt = :now"
        if write.holds is not None:
            update += ", holds = :holds"
            values[":holds"] = _holds_value(write.holds)
        if write.rate_tat_us is not None:
            update += ", rateTatUs = :tat"
            values[":tat"] = _n(write.rate_tat_us)
        if write.hot_until_ms is not None:
            update += ", hotUntilMs = :hot"
            values[":hot"] = _n(write.hot_until_ms)
        head = write.head_hash or (write.entry.hash if write.entry else None)
        if head is not None:  # the chain's head moves with the balance, under the same version condition
            update += ", headHash = :head"
            values[":head"] = _s(head)
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
