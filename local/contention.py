"""A contention simulator: an HTTP proxy in front of DynamoDB Local that answers as real DynamoDB does
when writes compete for items and partitions.

DynamoDB Local runs transactions one at a time and never conflicts or throttles, so a test that
passes on it says nothing about contention. Between the service and DynamoDB Local, this proxy applies
the rules of real DynamoDB (developer guide, "Transaction conflict handling" and partition limits):

- While a TransactWriteItems is in flight, it holds each of its items. Another TransactWriteItems that
  touches a held item is cancelled: TransactionCanceledException with reason TransactionConflict at
  that item's index ("None" at the others). A PutItem, UpdateItem or DeleteItem on a held item fails
  with TransactionConflictException. Reads (GetItem, Query, BatchGetItem, Scan) are never blocked.
- Each partition key takes at most 1,000 write units and 3,000 read units a second (a transactional
  write costs 2 units per item per KB, a plain write 1, a strongly consistent read 1 per 4 KB). Past
  that: ProvisionedThroughputExceededException, or reason ThrottlingError inside a transaction.
- Every call takes as long as it takes on AWS (AwsTimes: a read, a single-item write, a transaction by its
  item count, from published measurements from Lambda; or one flat latency), counting DynamoDB Local's own
  time within it; a transaction holds its items for that whole time, which is when others conflict with it.

Not modelled: adaptive capacity splitting a hot partition, table-level limits, the size limits of a
transaction, TransactGetItems, and the isolation of reads (DynamoDB Local already serializes writes).

    python -m local.contention --backend http://127.0.0.1:8000 --port 8001 [--latency-ms 5 | --read-ms 5 ...]
"""

import argparse
import http.client
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import astuple, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

WRITE_UNITS_PER_PARTITION = 1000
READ_UNITS_PER_PARTITION = 3000
_SINGLE_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


@dataclass(frozen=True)
class AwsTimes:
    """Milliseconds a call takes on AWS, seen from Lambda in the same region (medians), from published
    measurements (Alex DeBrie's tests from Lambda, GUIDE): PutItem 7.55 ms, GetItem about 5 ms, a 5-item
    TransactWriteItems 25.3 ms and a 25-item one 32.1 ms. A transaction is timed as a base plus a cost per
    item, the line through those two points: 23.6 + 0.34 ms per item (24 ms for one item, 58 ms for 100).
    Most of a transaction's time is its two phases' round trips, not its items."""

    read_ms: float = 5.0  # GetItem, BatchGetItem, Query, Scan, DescribeTable...
    write_ms: float = 7.5  # PutItem, UpdateItem, DeleteItem
    transaction_ms: float = 23.6  # TransactWriteItems: this plus transaction_item_ms per item
    transaction_item_ms: float = 0.34

    @classmethod
    def flat(cls, latency_ms: float) -> "AwsTimes":
        """Every call the same latency, whatever it does (the simulator's first model)."""
        return cls(latency_ms, latency_ms, latency_ms, 0.0)

    def scaled(self, factor: float) -> "AwsTimes":
        """Every time `factor` times as long (the benchmark's dilated mode)."""
        return AwsTimes(*(factor * value for value in astuple(self)))

    def seconds(self, operation: str, items: int = 1) -> float:
        if operation == "TransactWriteItems":
            return (self.transaction_ms + self.transaction_item_ms * items) / 1000
        return (self.write_ms if operation in _SINGLE_WRITES else self.read_ms) / 1000

    def describe(self) -> str:
        if self.read_ms == self.write_ms == self.transaction_ms and not self.transaction_item_ms:
            return f"{self.read_ms:g} ms per call"
        return (
            f"a read {self.read_ms:g} ms, a single-item write {self.write_ms:g} ms, a transaction "
            f"{self.transaction_ms:g} + {self.transaction_item_ms:g} ms per item "
            f"({self.transaction_ms + 5 * self.transaction_item_ms:g} ms for five)"
        )


def _units(size_bytes: int, unit_bytes: int) -> int:
    return max(1, -(-size_bytes // unit_bytes))


def _kind(key_value: str) -> str:
    """The item family a key belongs to (USER, SYSTEM, TXKEY...), for the conflict counters."""
    return key_value.split("#", 1)[0] if "#" in key_value else "other"


class ContentionState:
    """Items held by transactions in flight, per-partition unit windows, and what happened."""

    def __init__(
        self,
        write_units: int = WRITE_UNITS_PER_PARTITION,
        read_units: int = READ_UNITS_PER_PARTITION,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.write_limit = write_units
        self.read_limit = read_units
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[str, str] = {}  # item id -> owner
        self._windows: dict[tuple[str, str], tuple[int, float]] = {}  # (partition, "r"/"w") -> (second, units)
        self.counters: Counter[str] = Counter()

    def try_hold(self, owner: str, items: list[tuple[str, str]]) -> list[int]:
        """Hold every item for owner, or none: the indexes of items another transaction holds."""
        with self._lock:
            busy = [index for index, (item, _) in enumerate(items) if self._held.get(item, owner) != owner]
            if busy:
                self.counters["transaction_conflicts"] += 1
                for index in busy:
                    self.counters[f"conflicts_on_{items[index][1]}"] += 1
                return busy
            for item, _ in items:
                self._held[item] = owner
            return []

    def release(self, owner: str, items: list[tuple[str, str]]) -> None:
        with self._lock:
            for item, _ in items:
                if self._held.get(item) == owner:
                    del self._held[item]

    def is_held(self, item: str, kind: str) -> bool:
        with self._lock:
            held = item in self._held
            if held:
                self.counters["single_write_conflicts"] += 1
                self.counters[f"conflicts_on_{kind}"] += 1
            return held

    def take_units(self, partitions: dict[str, int], mode: str) -> list[str]:
        """Spend units on each partition in this second; the partitions over their limit (nothing spent)."""
        limit = self.write_limit if mode == "w" else self.read_limit
        second = int(self._clock())
        with self._lock:
            windows = {partition: self._windows.get((partition, mode), (second, 0)) for partition in partitions}
            used = {p: (units if start == second else 0) for p, (start, units) in windows.items()}
            over = [p for p, units in partitions.items() if used[p] + units > limit]
            if over:
                self.counters["throttles"] += 1
                return over
            for partition, units in partitions.items():
                self._windows[(partition, mode)] = (second, used[partition] + units)
            return []

    def count(self, name: str) -> None:
        with self._lock:
            self.counters[name] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.counters)

    def reset(self) -> None:
        with self._lock:
            self.counters.clear()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart (delayed ACK)
    server: "ContentionProxy"

    def do_GET(self) -> None:
        if self.path == "/__stats":
            self._reply(200, json.dumps(self.server.state.snapshot()).encode(), "application/json")
        else:
            self._forward(b"", self.server.times.seconds("GET"))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__reset":
            self.server.state.reset()
            self._reply(200, b"{}", "application/json")
            return
        operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        self.server.state.count(f"calls_{operation}")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            request = {}
        if operation == "TransactWriteItems":
            self._transaction(request, body)
        elif operation in _SINGLE_WRITES:
            self._single_write(operation, request, body)
        else:
            self._read(operation, request, body)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # --- the rules ---

    def _transaction(self, request: dict[str, Any], body: bytes) -> None:
        items = []  # (item id, kind), in TransactItems order
        partitions: dict[str, int] = {}
        for action in request.get("TransactItems", []):
            ((_, operation),) = action.items()
            table = operation["TableName"]
            key = self.server.key_of(table, operation.get("Key") or operation.get("Item") or {})
            item_id, partition, family = key
            items.append((item_id, family))
            size = len(json.dumps(operation.get("Item") or operation.get("Key") or {}))
            partitions[partition] = partitions.get(partition, 0) + 2 * _units(size, 1024)
        owner = uuid.uuid4().hex
        busy = self.server.state.try_hold(owner, items)
        if busy:
            reasons = [
                {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
                if index in busy
                else {"Code": "None"}
                for index in range(len(items))
            ]
            self._error("TransactionCanceledException", "Transaction cancelled", CancellationReasons=reasons)
            return
        try:
            over = self.server.state.take_units(partitions, "w")
            if over:
                reasons = [
                    {"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity"}
                    if self._partition_of(action) in over
                    else {"Code": "None"}
                    for action in request["TransactItems"]
                ]
                self._error("TransactionCanceledException", "Transaction cancelled", CancellationReasons=reasons)
                return
            # the items stay held for the transaction's whole time on AWS
            self._forward(body, self.server.times.seconds("TransactWriteItems", len(items)))
        finally:
            self.server.state.release(owner, items)

    def _single_write(self, operation: str, request: dict[str, Any], body: bytes) -> None:
        item_id, partition, family = self.server.key_of(
            request["TableName"], request.get("Key") or request.get("Item") or {}
        )
        if self.server.state.is_held(item_id, family):
            self._error("TransactionConflictException", "Transaction is ongoing for the item")
            return
        size = len(json.dumps(request.get("Item") or request.get("Key") or {}))
        if self.server.state.take_units({partition: _units(size, 1024)}, "w"):
            self._error("ProvisionedThroughputExceededException", "Throughput exceeds the current capacity")
            return
        self._forward(body, self.server.times.seconds(operation))

    def _read(self, operation: str, request: dict[str, Any], body: bytes) -> None:
        partitions: dict[str, int] = {}
        if operation == "GetItem":
            partitions[self.server.key_of(request["TableName"], request["Key"])[1]] = 1
        elif operation == "BatchGetItem":
            for table, spec in request.get("RequestItems", {}).items():
                for key in spec.get("Keys", []):
                    partition = self.server.key_of(table, key)[1]
                    partitions[partition] = partitions.get(partition, 0) + 1
        elif operation == "Query":
            queried = self.server.query_partition(request)
            if queried:
                partitions[queried] = 1
        if partitions and self.server.state.take_units(partitions, "r"):
            self._error("ProvisionedThroughputExceededException", "Throughput exceeds the current capacity")
            return
        self._forward(body, self.server.times.seconds(operation))

    def _partition_of(self, action: dict[str, Any]) -> str:
        ((_, operation),) = action.items()
        return self.server.key_of(operation["TableName"], operation.get("Key") or operation.get("Item") or {})[1]

    # --- plumbing ---

    def _forward(self, body: bytes, seconds: float) -> None:
        """The call answered by DynamoDB Local, taking `seconds` in all (its own time included)."""
        started = time.monotonic()
        status, headers, data = self.server.send_to_backend(self.command, self.path, dict(self.headers.items()), body)
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        self._reply(status, data, headers.get("Content-Type", "application/x-amz-json-1.0"), headers)

    def _error(self, error_type: str, message: str, **fields: Any) -> None:
        time.sleep(self.server.times.read_ms / 1000)  # a refusal costs a round trip, without a commit
        body = json.dumps({"__type": _ERROR_PREFIX + error_type, "message": message, **fields}).encode()
        self._reply(400, body, "application/x-amz-json-1.0")

    def _reply(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("x-amzn-RequestId", (headers or {}).get("x-amzn-RequestId", uuid.uuid4().hex))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ContentionProxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # bursts of new connections from many clients

    def __init__(self, port: int, backend: str, times: AwsTimes, state: ContentionState):
        super().__init__(("127.0.0.1", port), _ProxyHandler)
        self.backend = urlsplit(backend)
        self.times = times
        self.state = state
        self._schemas: dict[str, list[str]] = {}
        self._local = threading.local()

    def key_of(self, table: str, key: dict[str, Any]) -> tuple[str, str, str]:
        """(item id, partition id, item family) of an item or key in a table."""
        names = self._schema(table)
        values = [json.dumps(key.get(name, {}), sort_keys=True) for name in names]
        first = key.get(names[0], {})
        family = _kind(str(first.get("S", ""))) if isinstance(first, dict) else "other"
        return f"{table}|{'|'.join(values)}", f"{table}|{values[0]}", family

    def query_partition(self, request: dict[str, Any]) -> str | None:
        """The partition a Query reads: the value its key condition gives the partition key."""
        table = request["TableName"]
        names = request.get("ExpressionAttributeNames", {})
        for name, placeholder in re.findall(r"(#?\w+)\s*=\s*(:\w+)", request.get("KeyConditionExpression", "")):
            if names.get(name, name) == self._schema(table)[0]:
                value = request.get("ExpressionAttributeValues", {}).get(placeholder, {})
                return f"{table}|{json.dumps(value, sort_keys=True)}"
        return None

    def _schema(self, table: str) -> list[str]:
        if table not in self._schemas:
            body = json.dumps({"TableName": table}).encode()
            headers = {
                "X-Amz-Target": "DynamoDB_20120810.DescribeTable",
                "Content-Type": "application/x-amz-json-1.0",
                "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
                "SignedHeaders=host, Signature=0",
            }
            _, _, data = self.send_to_backend("POST", "/", headers, body)
            schema = json.loads(data)["Table"]["KeySchema"]
            self._schemas[table] = [part["AttributeName"] for part in sorted(schema, key=lambda p: p["KeyType"])]
        return self._schemas[table]  # HASH sorts before RANGE

    def send_to_backend(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        for attempt in range(2):  # a kept-alive connection the backend closed is reopened once
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = http.client.HTTPConnection(
                    self.backend.hostname or "127.0.0.1", self.backend.port, timeout=30
                )
                self._local.connection = connection
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self._local.connection = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


class ContentionSimulator:
    """Starts the proxy on a thread: point AWS_ENDPOINT_URL_DYNAMODB at .endpoint. Calls take AWS's times
    (AwsTimes()) unless latency_ms gives every call one flat latency."""

    def __init__(
        self,
        backend: str,
        port: int,
        latency_ms: float | None = None,
        state: ContentionState | None = None,
        times: AwsTimes | None = None,
    ):
        self.state = state or ContentionState()
        self.times = times or (AwsTimes.flat(latency_ms) if latency_ms is not None else AwsTimes())
        self._server = ContentionProxy(port, backend, self.times, self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "ContentionSimulator":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def add_time_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = AwsTimes()
    parser.add_argument("--latency-ms", type=float, help="one flat latency for every call instead of AWS's times")
    parser.add_argument("--read-ms", type=float, default=defaults.read_ms)
    parser.add_argument("--write-ms", type=float, default=defaults.write_ms, help="a single-item write")
    parser.add_argument("--transaction-ms", type=float, default=defaults.transaction_ms, help="a transaction's base")
    parser.add_argument("--transaction-item-ms", type=float, default=defaults.transaction_item_ms)


def times_from(args: argparse.Namespace) -> AwsTimes:
    if args.latency_ms is not None:
        return AwsTimes.flat(args.latency_ms)
    return AwsTimes(args.read_ms, args.write_ms, args.transaction_ms, args.transaction_item_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description="DynamoDB contention simulator (a proxy in front of DynamoDB Local)")
    parser.add_argument("--backend", default="http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, default=8001)
    add_time_arguments(parser)
    args = parser.parse_args()
    simulator = ContentionSimulator(args.backend, args.port, times=times_from(args)).start()
    print(f"Contention simulator on {simulator.endpoint} -> {args.backend} ({simulator.times.describe()})")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        simulator.stop()


if __name__ == "__main__":
    main()
