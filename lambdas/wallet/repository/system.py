"""System-account buckets: their folded checkpoints and the legs appended since."""

import json
from typing import Any

from botocore.exceptions import ClientError

from wallet.repository.items import (
    CHECKPOINT_SK,
    ENTRY_SK_END,
    Checkpoint,
    _n,
    _s,
    checkpoint_from_item,
    system_pk,
)
from wallet.repository.table import (
    TableAccess,
)

# One item, replaced by each reconciliation run: what the console shows as the books check.
RECONCILIATION_KEY = {"PK": _s("RECONCILIATION"), "SK": _s("LATEST")}


class SystemStore(TableAccess):
    def save_reconciliation(self, record: dict[str, Any]) -> None:
        self._call("put_item", TableName=self._table, Item={**RECONCILIATION_KEY, "record": _s(json.dumps(record))})

    def get_reconciliation(self) -> dict[str, Any] | None:
        """The last reconciliation's outcome, None before the first run."""
        item = self._call("get_item", TableName=self._table, Key=RECONCILIATION_KEY, ConsistentRead=True).get("Item")
        return json.loads(item["record"]["S"]) if item else None

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
