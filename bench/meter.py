"""Counts what a client's DynamoDB calls cost."""

from collections import Counter
from typing import Any


class CapacityMeter:
    """Counts DynamoDB calls, the capacity DynamoDB Local reports, and the request units DynamoDB's
    pricing rules give for the same calls (items here are under 1 KB): 1 WRU per write, also when its
    condition fails; 2 WRU per item of a TransactWriteItems; 1 RRU per strongly consistent read and
    0.5 per eventually consistent one. DynamoDB Local under-reports transactions, so the bill uses
    the rules."""

    def __init__(self, client: Any):
        self.calls: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.wcu = 0.0
        self.rcu = 0.0
        self.priced_wru = 0.0
        self.priced_rru = 0.0
        # Items of the TransactWriteItems that committed: on AWS each one lengthens the transaction, and a hot
        # account's balance commits one transaction at a time.
        self.committed_transaction_items = 0
        self._asked_items = 0
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask_for_capacity)
        client.meta.events.register("after-call.dynamodb.*", self._record)

    def reset(self) -> None:
        self.calls.clear()
        self.failed.clear()
        self.wcu = self.rcu = self.priced_wru = self.priced_rru = 0.0
        self.committed_transaction_items = 0

    def _ask_for_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.priced_wru += 1
        elif model.name == "TransactWriteItems":
            self._asked_items = len(params["TransactItems"])
            self.priced_wru += 2 * len(params["TransactItems"])
            # A ledger entry is also written to the ByTime index: 1 more WRU (index writes are not doubled).
            self.priced_wru += sum(
                1 for item in params["TransactItems"] if "timeKey" in item.get("Put", {}).get("Item", {})
            )
            # A hold enters the PendingHolds index when placed and leaves it when it ends: 1 WRU each.
            self.priced_wru += sum(
                1
                for item in params["TransactItems"]
                if "pendingShard" in item.get("Put", {}).get("Item", {})
                or "REMOVE pendingShard" in item.get("Update", {}).get("UpdateExpression", "")
            )
        elif model.name == "GetItem":
            self.priced_rru += 1 if params.get("ConsistentRead") else 0.5
        elif model.name == "Query":
            self.priced_rru += 1 if params.get("ConsistentRead") else 0.5  # one page under 4 KB
        elif model.name == "BatchGetItem":
            for request in params["RequestItems"].values():
                self.priced_rru += len(request["Keys"]) * (1 if request.get("ConsistentRead") else 0.5)

    def _record(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        name = model.name
        self.calls[name] += 1
        if http_response.status_code >= 400:
            self.failed[name] += 1
        elif name == "TransactWriteItems":
            self.committed_transaction_items += self._asked_items
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            units = float(entry.get("CapacityUnits", 0))
            if name in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"):
                self.rcu += units
            else:
                self.wcu += units
