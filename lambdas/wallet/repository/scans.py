"""Whole-table reads for reconciliation and event replay."""

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wallet.models import (
    AccountKey,
    Outcome,
)
from wallet.repository.items import (
    BY_TIME_INDEX,
    ENTRY_SK_PREFIX,
    _s,
    balance_sk,
    key_pk,
    system_pk,
    user_pk,
)
from wallet.repository.table import (
    TableAccess,
)

_SCAN_PAGE_ITEMS = 100  # items handed from a scan segment to the reader at a time
_BATCH_GET_KEYS = 100  # BatchGetItem's limit


class TableScans(TableAccess):
    def scan(
        self,
        segment: int = 0,
        total_segments: int = 1,
        key_prefixes: tuple[str, ...] = (),
        index: str | None = None,
        attributes: tuple[str, ...] = (),
    ) -> Iterator[dict[str, Any]]:
        """Every item of the table (one parallel-scan segment), page by page, as raw DynamoDB items; with
        key_prefixes, only the items whose partition key starts with one of them (DynamoDB still reads, and
        bills, the rest, but does not send them); with index, the items of that index (eventually consistent);
        with attributes, only those attributes of each item."""
        request: dict[str, Any] = {"TableName": self._table, **_projection(attributes)}
        if index is None:
            request["ConsistentRead"] = True
        else:
            request["IndexName"] = index
        if total_segments > 1:
            request.update(Segment=segment, TotalSegments=total_segments)
        if key_prefixes:
            values = {f":p{index}": _s(prefix) for index, prefix in enumerate(key_prefixes)}
            request["FilterExpression"] = " OR ".join(f"begins_with(PK, {name})" for name in values)
            request["ExpressionAttributeValues"] = values
        return self._items("scan", request)

    def ledger_entry_items(self, segments: int, attributes: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
        """Every ledger entry, from the ByTime index (it holds entries and holds, nothing else): a whole-ledger
        read that does not read key records and system legs too. Eventually consistent: for a table at rest."""
        return self.scan_parallel(segments, key_prefixes=("USER#",), index=BY_TIME_INDEX, attributes=attributes)

    def balance_items_of(self, keys: Sequence[AccountKey], attributes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The balance items of these accounts (those that exist), 100 to a BatchGetItem."""
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), _BATCH_GET_KEYS):
            items += self._batch_get(
                [(user_pk(user), balance_sk(currency)) for user, currency in keys[start : start + _BATCH_GET_KEYS]],
                _projection(attributes),
            )
        return items

    def system_leg_items(
        self, account: str, currency: str, bucket: int, attributes: tuple[str, ...] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every leg of one system account bucket, as raw items."""
        request = {
            **_projection(attributes),
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :entry)",
            "ExpressionAttributeValues": {
                ":pk": _s(system_pk(account, currency, bucket)),
                ":entry": _s(ENTRY_SK_PREFIX),
            },
            "ConsistentRead": True,
        }
        return self._items("query", request)

    def balance_items(self) -> Iterator[dict[str, Any]]:
        """Every user balance item (key, balance, entry count and chain head only): the ledger digest's input."""
        request = {
            "TableName": self._table,
            "ConsistentRead": True,
            "FilterExpression": "begins_with(SK, :balance)",
            "ProjectionExpression": "PK, SK, balanceMinor, version, entryCount, headHash",
            "ExpressionAttributeValues": {":balance": _s("BALANCE#")},
        }
        return self._items("scan", request)

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

    def scan_parallel(
        self,
        segments: int,
        buffered_pages: int = 8,
        key_prefixes: tuple[str, ...] = (),
        index: str | None = None,
        attributes: tuple[str, ...] = (),
    ) -> Iterator[dict[str, Any]]:
        """Every item (or those under key_prefixes, or of an index: see scan), read by `segments` parallel
        scans; at most `buffered_pages` pages wait in memory."""
        if segments <= 1:
            yield from self.scan(key_prefixes=key_prefixes, index=index, attributes=attributes)
            return
        pages: queue.Queue[list[dict[str, Any]] | BaseException | None] = queue.Queue(maxsize=buffered_pages)
        stop = threading.Event()

        def read(segment: int) -> None:
            try:
                page: list[dict[str, Any]] = []
                for item in self.scan(segment, segments, key_prefixes, index, attributes):
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


def _projection(attributes: tuple[str, ...]) -> dict[str, Any]:
    """A ProjectionExpression naming these attributes (by placeholder: several are reserved words)."""
    if not attributes:
        return {}
    names = {f"#a{position}": name for position, name in enumerate(attributes)}
    return {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
