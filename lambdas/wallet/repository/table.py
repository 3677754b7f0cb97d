"""The one place the Wallet table is called: error mapping, paging and batched reads."""

import hashlib
import json
from collections.abc import Iterator, Sequence, Set
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from wallet.errors import ServiceUnavailable
from wallet.repository.items import (
    _s,
)

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


class TableAccess:
    def __init__(self, client: Any, table_name: str):
        self._client = client
        self._table = table_name

    def _call(self, operation: str, expected: Set[str] = frozenset(), **kwargs: Any) -> Any:
        """Calls the client; `expected` error codes reach the caller as they are, to handle itself."""
        try:
            return getattr(self._client, operation)(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] in _RETRYABLE_CODES - expected:
                raise ServiceUnavailable("The wallet store is busy; retry with the same idempotency key.") from error
            raise
        except BotoCoreError as error:  # connection failures and timeouts after botocore's own retries
            raise ServiceUnavailable("The wallet store did not answer; retry with the same idempotency key.") from error

    def _items(self, operation: str, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item a scan or query returns, page after page."""
        while True:
            response = self._call(operation, **request)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _batch_get(
        self, keys: Sequence[tuple[str, str]], projection: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        request = {
            self._table: {
                "Keys": [{"PK": _s(pk), "SK": _s(sk)} for pk, sk in keys],
                "ConsistentRead": True,
                **(projection or {}),
            }
        }
        items: list[dict[str, Any]] = []
        while request:
            response = self._call("batch_get_item", RequestItems=request)
            items += response.get("Responses", {}).get(self._table, [])
            request = response.get("UnprocessedKeys") or {}
        return items

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}


def _request_token(items: list[dict[str, Any]]) -> str:
    # Same write, same token: a botocore retry after a lost response is not applied twice.
    return hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:36]
