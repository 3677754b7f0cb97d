"""All DynamoDB access for the Wallet table. AWS errors become the exceptions below or domain errors.

Single-table layout (see docs/decisions.md):
  USER#<userId>   BALANCE#<ccy>            the balance and its version (entry count)
  USER#<userId>   LEDGER#<ccy>#<seq:012d>  one immutable ledger entry per applied movement
  TXKEY#<key>     TXKEY                    the permanent outcome of an idempotency key
"""

import hashlib
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from wallet.errors import ServiceUnavailable
from wallet.models import Account, KeyRecord, LedgerEntry, Movement, MovementType, Outcome

_SEQUENCE_DIGITS = 12
_RETRYABLE_CODES = {
    "TransactionConflict",
    "TransactionInProgressException",
    "ThrottlingError",
    "ThrottlingException",
    "ProvisionedThroughputExceeded",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
}


class KeyAlreadyUsed(Exception):
    def __init__(self, record: KeyRecord):
        super().__init__(record.movement.idempotent_key)
        self.record = record


class StaleAccount(Exception):
    """The balance changed since it was read; current is the fresh state when DynamoDB returned it."""

    def __init__(self, current: Account | None):
        super().__init__("stale account")
        self.current = current


class WriteContention(Exception):
    """DynamoDB cancelled or throttled the write; retrying the same write is safe."""


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def balance_sk(currency: str) -> str:
    return f"BALANCE#{currency}"


def ledger_sk_prefix(currency: str) -> str:
    return f"LEDGER#{currency}#"


def ledger_sk(currency: str, sequence: int) -> str:
    return f"{ledger_sk_prefix(currency)}{sequence:0{_SEQUENCE_DIGITS}d}"


def key_pk(idempotent_key: str) -> str:
    return f"TXKEY#{idempotent_key}"


class WalletRepository:
    def __init__(self, client: Any, table_name: str):
        self._client = client
        self._table = table_name

    def get_account(self, user_id: str, currency: str) -> Account | None:
        item = self._call(
            "get_item",
            TableName=self._table,
            Key={"PK": _s(user_pk(user_id)), "SK": _s(balance_sk(currency))},
            ConsistentRead=True,
        ).get("Item")
        return _account_from_item(item) if item else None

    def apply_entry(self, entry: LedgerEntry, movement: Movement, expected_version: int) -> None:
        """Write the key record, the new balance and the ledger entry in one transaction.

        Raises KeyAlreadyUsed if the key has an outcome, StaleAccount if the balance moved since it
        was read, WriteContention if DynamoDB cancelled the transaction for a transient reason.
        """
        key_record = KeyRecord(movement=movement, outcome=Outcome.APPLIED, created_at=entry.created_at, entry=entry)
        balance_update: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"PK": _s(user_pk(entry.user_id)), "SK": _s(balance_sk(entry.currency))},
            "UpdateExpression": "SET balanceMinor = :balance, version = :version, updatedAt = :now",
            "ExpressionAttributeValues": {
                ":balance": _n(entry.balance_after_minor),
                ":version": _n(entry.sequence),
                ":now": _s(entry.created_at),
            },
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if expected_version == 0:
            balance_update["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            balance_update["ConditionExpression"] = "version = :expected"
            balance_update["ExpressionAttributeValues"][":expected"] = _n(expected_version)
        items = [
            {"Put": self._put_key_record(key_record)},
            {"Update": balance_update},
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _entry_item(entry),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        try:
            self._call("transact_write_items", TransactItems=items, ClientRequestToken=_request_token(items))
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            key_reason, balance_reason, entry_reason = [*reasons, {}, {}, {}][:3]
            if key_reason.get("Code") == "ConditionalCheckFailed":
                raise KeyAlreadyUsed(_key_record_from_item(key_reason["Item"])) from error
            if any(reason.get("Code") in _RETRYABLE_CODES for reason in reasons):
                raise WriteContention() from error
            if balance_reason.get("Code") == "ConditionalCheckFailed":
                current = balance_reason.get("Item")
                raise StaleAccount(_account_from_item(current) if current else None) from error
            if entry_reason.get("Code") == "ConditionalCheckFailed":
                raise StaleAccount(None) from error
            raise

    def record_declined(self, movement: Movement, created_at: str) -> None:
        """Make a declined debit the permanent answer for its key; KeyAlreadyUsed if it has one."""
        record = KeyRecord(movement=movement, outcome=Outcome.DECLINED, created_at=created_at)
        try:
            self._call("put_item", **self._put_key_record(record))
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            raise KeyAlreadyUsed(_key_record_from_item(error.response["Item"])) from error

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
        entries = [_entry_from_item(item) for item in response.get("Items", [])]
        return entries[:limit], len(entries) > limit

    def _put_key_record(self, record: KeyRecord) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Item": _key_record_item(record),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

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


def _account_from_item(item: dict[str, Any]) -> Account:
    return Account(
        user_id=item["PK"]["S"].removeprefix("USER#"),
        currency=item["SK"]["S"].removeprefix("BALANCE#"),
        balance_minor=int(item["balanceMinor"]["N"]),
        version=int(item["version"]["N"]),
    )


def _entry_item(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "PK": _s(user_pk(entry.user_id)),
        "SK": _s(ledger_sk(entry.currency, entry.sequence)),
        "entityType": _s("LEDGER_ENTRY"),
        "transactionId": _s(entry.transaction_id),
        "idempotentKey": _s(entry.idempotent_key),
        "userId": _s(entry.user_id),
        "currency": _s(entry.currency),
        "type": _s(entry.type.value),
        "amountMinor": _n(entry.amount_minor),
        "balanceAfterMinor": _n(entry.balance_after_minor),
        "sequence": _n(entry.sequence),
        "createdAt": _s(entry.created_at),
    }


def _entry_from_item(item: dict[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=item["transactionId"]["S"],
        idempotent_key=item["idempotentKey"]["S"],
        user_id=item["userId"]["S"],
        currency=item["currency"]["S"],
        type=MovementType(item["type"]["S"]),
        amount_minor=int(item["amountMinor"]["N"]),
        balance_after_minor=int(item["balanceAfterMinor"]["N"]),
        sequence=int(item["sequence"]["N"]),
        created_at=item["createdAt"]["S"],
    )


def _key_record_item(record: KeyRecord) -> dict[str, Any]:
    movement = record.movement
    item: dict[str, Any] = {
        "PK": _s(key_pk(movement.idempotent_key)),
        "SK": _s("TXKEY"),
        "entityType": _s("IDEMPOTENCY_KEY"),
        "idempotentKey": _s(movement.idempotent_key),
        "userId": _s(movement.user_id),
        "currency": _s(movement.currency),
        "type": _s(movement.type.value),
        "amountMinor": _n(movement.amount_minor),
        "outcome": _s(record.outcome.value),
        "createdAt": _s(record.created_at),
    }
    if record.entry is not None:
        item["entry"] = {"M": _entry_item(record.entry)}
    return item


def _key_record_from_item(item: dict[str, Any]) -> KeyRecord:
    movement = Movement(
        idempotent_key=item["idempotentKey"]["S"],
        user_id=item["userId"]["S"],
        type=MovementType(item["type"]["S"]),
        amount_minor=int(item["amountMinor"]["N"]),
        currency=item["currency"]["S"],
    )
    entry = _entry_from_item(item["entry"]["M"]) if "entry" in item else None
    return KeyRecord(
        movement=movement, outcome=Outcome(item["outcome"]["S"]), created_at=item["createdAt"]["S"], entry=entry
    )
