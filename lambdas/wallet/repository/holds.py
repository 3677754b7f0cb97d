"""Hold items: one by id, a user's holds by time, and the overdue ones from the sparse index."""

from collections.abc import Iterator
from typing import Any

from wallet.models import (
    Hold,
    HoldStatus,
)
from wallet.repository.items import (
    BY_TIME_INDEX,
    PENDING_DUE,
    PENDING_HOLD_SHARDS,
    PENDING_HOLDS_INDEX,
    PENDING_SHARD,
    TIME_KEY,
    TIME_SORT,
    _due,
    _n,
    _s,
    hold_from_item,
    hold_pk,
    pending_shard,
)
from wallet.repository.table import (
    TableAccess,
)


class HoldStore(TableAccess):
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
