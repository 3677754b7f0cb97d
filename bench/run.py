"""Benchmark: the wallet's handlers against the bare-minimum DynamoDB transaction, on DynamoDB Local and
through a simulator of real DynamoDB's conflict rules.

    make bench          (or: PYTHONPATH=lambdas:. .venv/bin/python -m bench.run [--latency-ms 5])

Everything runs on this machine, in one run, twice: on plain DynamoDB Local (which runs transactions one
at a time and never conflicts), and through local/contention.py in front of it (TransactionConflict,
throttling per partition, a per-call latency). Every scenario runs two systems with the same number of
clients, each client a process (a Lambda execution environment, as many as clients):
  - baseline: the least a correct implementation writes, straight from boto3: one TransactWriteItems with
    a conditional ledger Put and a conditional balance update per account touched, conflicts retried with
    the service's own policy;
  - service: the real lambda_handler of POST /transactions or POST /transfers (Powertools idempotency,
    validation, the wallet's read, double-entry transaction and retries).
Results go to bench/results/ and the README's benchmark section.
"""

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.dynamodb_local import REPO_ROOT, DynamoDBLocal, free_port, local_aws_environment

RESULTS_DIR = REPO_ROOT / "bench" / "results"
README = REPO_ROOT / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
# DynamoDB on-demand list prices, us-east-1, per million request units (since the November 2024 cut).
PRICE_PER_MILLION_WRU = 0.625
PRICE_PER_MILLION_RRU = 0.125
TABLE = "Wallet"
USERS = 1000
HOT_USER, HOT_MIXED_USER = "bench-hot", "bench-hot-mixed"
SCENARIOS = {
    "spread": "credits spread over 1,000 existing users",
    "topup": "first-time top-ups of new users",
    "transfer": "transfers between random pairs of 1,000 users",
    "hot-credit": "one hot user taking credits",
    "hot-mixed": "one hot user taking debits and credits",
}
# DynamoDB's own limits (developer guide): an on-demand table's default quota is 40,000 WRU/s; one
# partition takes at most 1,000 WCU/s; a transactional write costs 2 WCU per item under 1 KB; an item in
# a transaction in flight refuses every other transaction, so one item commits at most one transaction per
# commit time. Measured from Lambda (public tests): a TransactWriteItems takes about 25 ms at p50.
TABLE_WRU_PER_SECOND = 40_000
PARTITION_WCU_PER_SECOND = 1_000
AWS_COMMIT_MS = 25.0


# ---------------------------------------------------------------- load generation (worker processes)

_worker: dict[str, Any] = {}


def _init_worker(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Lambda ships stdout (EMF metrics) to CloudWatch; here, nowhere
    from handlers import transact, transfer
    from local.apigw import http_api_event
    from local.lambda_context import LocalLambdaContext
    from wallet.aws import dynamodb_client
    from wallet.service import RetryPolicy

    client = dynamodb_client()
    _worker.update(
        transact=transact.lambda_handler,
        transfer=transfer.lambda_handler,
        event=http_api_event,
        context=LocalLambdaContext,
        client=client,
        meter=CapacityMeter(client),
        retry=RetryPolicy(),
    )


def _bare_transaction(changes: list[tuple[str, int]]) -> str:
    """The least a correct implementation does for a movement: per account, a conditional ledger Put and a
    conditional balance update, in one TransactWriteItems; conflicts retried like the service (6 s)."""
    items: list[dict[str, Any]] = []
    for user, amount in changes:
        pk = {"S": f"BASE#{user}"}
        items.append(
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {"PK": pk, "SK": {"S": f"LEDGER#{uuid.uuid4()}"}, "amountMinor": {"N": str(amount)}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        )
        items.append(
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": pk, "SK": {"S": "BALANCE"}},
                    "UpdateExpression": "SET balanceMinor = if_not_exists(balanceMinor, :initial) + :amount",
                    "ConditionExpression": "attribute_not_exists(balanceMinor) OR balanceMinor >= :needed",
                    "ExpressionAttributeValues": {
                        ":initial": {"N": "10000"},
                        ":amount": {"N": str(amount)},
                        ":needed": {"N": str(max(0, -amount))},
                    },
                }
            }
        )
    client, policy = _worker["client"], _worker["retry"]
    deadline, attempt = time.monotonic() + policy.max_seconds, 0
    while True:
        try:
            client.transact_write_items(TransactItems=items)
            return "ok"
        except client.exceptions.TransactionCanceledException as error:
            codes = {reason.get("Code") for reason in error.response.get("CancellationReasons", [])}
            if "ConditionalCheckFailed" in codes:
                return "declined"
        except client.exceptions.TransactionConflictException:
            pass
        attempt += 1
        delay = policy.delay(attempt)
        if time.monotonic() + delay > deadline:
            return "gave up"
        time.sleep(delay)


def _service_call(handler: str, path: str, body: dict[str, Any]) -> str:
    event = _worker["event"]("POST", path, headers={"content-type": "application/json"}, body=json.dumps(body))
    result = _worker[handler](event, _worker["context"]())
    status = int(result["statusCode"])
    if status == 201:
        return "ok"
    code = json.loads(result.get("body") or "{}").get("error", {}).get("code", "")
    return "declined" if code == "INSUFFICIENT_FUNDS" else f"{status} {code}".strip()


def _movement(system: str, scenario: str, rng: random.Random) -> str:
    """One movement of the scenario, by the baseline or through the service's handler."""
    if scenario == "transfer":
        source, target = (f"bench-{n}" for n in rng.sample(range(USERS), 2))
        if system == "baseline":
            return _bare_transaction([(source, -1), (target, 1)])
        body = {"idempotentKey": str(uuid.uuid4()), "fromUserId": source, "toUserId": target, "amount": "0.01"}
        return _service_call("transfer", "/transfers", body)
    user = {
        "spread": lambda: f"bench-{rng.randrange(USERS)}",
        "topup": lambda: f"new-{uuid.uuid4().hex}",
        "hot-credit": lambda: HOT_USER,
        "hot-mixed": lambda: HOT_MIXED_USER,
    }[scenario]()
    kind = rng.choice(("debit", "credit")) if scenario == "hot-mixed" else "credit"
    if system == "baseline":
        return _bare_transaction([(user, 1 if kind == "credit" else -1)])
    body = {"idempotentKey": str(uuid.uuid4()), "userId": user, "amount": "0.01", "type": kind}
    return _service_call("transact", "/transactions", body)


def _client_loop(system: str, scenario: str, start_at: float, duration: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    meter: CapacityMeter = _worker["meter"]
    time.sleep(max(0.0, start_at - time.time()))
    meter.reset()
    deadline = start_at + duration
    while time.time() < deadline:
        began = time.perf_counter()
        try:
            outcomes[_movement(system, scenario, rng)] += 1
        except Exception as error:  # a client-visible failure is a result to report, not a crash
            outcomes[type(error).__name__] += 1
        latencies.append(time.perf_counter() - began)
    return {
        "finished_at": time.time(),
        "latencies": latencies,
        "outcomes": dict(outcomes),
        "calls": sum(meter.calls.values()),
        "wru": meter.priced_wru,
        "rru": meter.priced_rru,
    }


def run_scenario(
    pool: ProcessPoolExecutor, system: str, scenario: str, clients: int, duration: float
) -> dict[str, Any]:
    start_at = time.time() + 1.0
    futures = [pool.submit(_client_loop, system, scenario, start_at, duration, seed) for seed in range(clients)]
    parts = [future.result() for future in futures]
    latencies = sorted(value for part in parts for value in part["latencies"])
    outcomes: Counter[str] = Counter()
    for part in parts:
        outcomes.update(part["outcomes"])
    movements = max(1, outcomes["ok"] + outcomes["declined"])
    return {
        "system": system,
        "scenario": scenario,
        "clients": clients,
        "requests": len(latencies),
        "movements": outcomes["ok"],
        "declined": outcomes["declined"],
        # Over the time the last request took to finish: a request started before the deadline may end
        # seconds after it (a hot account's), and counting it over the nominal duration would flatter tx/s.
        "tps": outcomes["ok"] / max(duration, max(part["finished_at"] for part in parts) - start_at),
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p95_ms": _percentile(latencies, 95) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "errors": {name: count for name, count in outcomes.items() if name not in ("ok", "declined")},
        "calls_per_movement": sum(part["calls"] for part in parts) / movements,
        "wru_per_movement": sum(part["wru"] for part in parts) / movements,
        "rru_per_movement": sum(part["rru"] for part in parts) / movements,
    }


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def ceiling(scenario: str, row: dict[str, Any], commit_ms: float) -> dict[str, Any]:
    """The throughput DynamoDB's own limits allow this scenario, and why (see the constants above)."""
    wru = max(row["wru_per_movement"], 1.0)
    if not scenario.startswith("hot"):
        return {
            "tps": TABLE_WRU_PER_SECOND / wru,
            "bound": f"table quota {TABLE_WRU_PER_SECOND:,} WRU/s / {wru:.1f} WRU",
        }
    # The hot partition (USER#<hot>, or BASE#<hot> for the baseline) takes the balance update and the new
    # ledger entry of every movement: 2 transactional items, 4 WCU.
    by_partition = PARTITION_WCU_PER_SECOND / 4
    by_commit = 1000 / commit_ms
    if by_commit < by_partition:
        return {"tps": by_commit, "bound": f"one commit at a time: 1 / {commit_ms:.0f} ms"}
    return {"tps": by_partition, "bound": f"partition {PARTITION_WCU_PER_SECOND} WCU/s / 4 WCU"}


def measure_throughput(
    environment: dict[str, str],
    scenarios: list[str],
    clients: list[int],
    duration: float,
    simulator: Any = None,
    hot_duration: float | None = None,
) -> list[dict[str, Any]]:
    """Every scenario at every client count, baseline then service, with as many processes as clients.
    One hot account runs hot_duration seconds: its tail grows with the run (a movement that keeps losing
    races waits up to its 6 s budget), so a short run would flatter it."""
    rows = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max(clients), mp_context=context, initializer=_init_worker, initargs=(environment,)
    ) as pool:
        for system in ("baseline", "service"):  # warm every process: imports, connections
            run_scenario(pool, system, "spread", max(clients), 1.0)
        for scenario in scenarios:
            for count in clients:
                for system in ("baseline", "service"):
                    if simulator:
                        simulator.state.reset()
                    seconds = hot_duration if hot_duration and scenario.startswith("hot") else duration
                    row = run_scenario(pool, system, scenario, count, seconds)
                    if simulator:
                        stats = simulator.state.snapshot()
                        seen = stats.get("transaction_conflicts", 0) + stats.get("single_write_conflicts", 0)
                        row["conflicts_per_movement"] = seen / max(1, row["movements"] + row["declined"])
                        row["throttles_per_movement"] = stats.get("throttles", 0) / max(1, row["movements"])
                        row["conflicts_on_system_items"] = stats.get("conflicts_on_SYSTEM", 0)
                    rows.append(row)
                    print(
                        f"{'simulator' if simulator else 'local':9} {scenario:10} {count:3} clients {system:8} "
                        f"{row['tps']:7.1f} tx/s  p50 {row['p50_ms']:6.1f}  p99 {row['p99_ms']:7.1f} ms  "
                        f"errors {row['errors'] or 0}  conflicts/mvt {row.get('conflicts_per_movement', 0):.2f}",
                        flush=True,
                    )
    return rows


def measure_batched_hot_account(endpoint: str, duration: float, batch_sizes: tuple[int, ...] = (1, 10, 50, 99)) -> list:
    """A design not shipped: one writer per hot account committing several waiting movements per transaction
    (k ledger entries + the balance update, up to DynamoDB's 100 items). Measures, through the simulator,
    how many movements one item then takes per second: the serial commit bound times k."""
    import boto3

    client = boto3.session.Session().client("dynamodb", endpoint_url=endpoint)
    rows = []
    for size in batch_sizes:
        commits, throttled, began = 0, 0, time.perf_counter()
        while time.perf_counter() - began < duration:
            pk = {"S": "BATCH#hot"}
            entries = [
                {"Put": {"TableName": TABLE, "Item": {"PK": pk, "SK": {"S": f"LEDGER#{uuid.uuid4()}"}}}}
                for _ in range(size)
            ]
            balance = {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": pk, "SK": {"S": "BALANCE"}},
                    "UpdateExpression": "ADD balanceMinor :amount, version :one",
                    "ExpressionAttributeValues": {":amount": {"N": str(size)}, ":one": {"N": "1"}},
                }
            }
            try:
                client.transact_write_items(TransactItems=[*entries, balance])
                commits += 1
            except client.exceptions.TransactionCanceledException:
                # The account's partition (its balance and its entries) is past 1,000 WCU in this second.
                throttled += 1
                time.sleep(0.05)
        elapsed = time.perf_counter() - began
        rows.append(
            {
                "batch": size,
                "commits_per_s": commits / elapsed,
                "movements_per_s": commits * size / elapsed,
                "throttled": throttled,
            }
        )
        print(
            f"batched hot account: {size:3} per commit {commits / elapsed:6.1f} commits/s "
            f"{commits * size / elapsed:7.0f} movements/s, {throttled} throttled",
            flush=True,
        )
    return rows


def seed_users() -> None:
    """The spread and transfer scenarios' 1,000 users exist (each written once) before anything is timed."""
    from concurrent.futures import ThreadPoolExecutor

    import wallet

    def seed(number: int) -> None:
        wallet.transact(f"seed-{number}", f"bench-{number}", "0.01", "credit")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(seed, range(USERS)))
    wallet.transact("seed-hot-mixed", HOT_MIXED_USER, "1000.00", "credit")


def measure_local_server(environment: dict[str, str], clients: int, duration: float) -> dict[str, Any]:
    """`make run`'s server (as many Lambda environments as clients), spread credits over keep-alive HTTP."""
    import http.client

    from local.runtime import LocalLambda
    from local.server import wallet_http_server

    os.environ.update(environment)
    server = wallet_http_server(free_port(), LocalLambda(clients))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def client(seed: int, start_at: float, seconds: float) -> None:
        rng, connection = random.Random(seed), http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        time.sleep(max(0.0, start_at - time.time()))
        while time.time() < start_at + seconds:
            body = json.dumps(
                {
                    "idempotentKey": str(uuid.uuid4()),
                    "userId": f"bench-{rng.randrange(USERS)}",
                    "amount": "0.01",
                    "type": "credit",
                }
            )
            began = time.perf_counter()
            try:
                connection.request("POST", "/transactions", body, {"Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
                outcome = "ok" if answer.status == 201 else str(answer.status)
            except OSError as error:
                outcome, connection = type(error).__name__, http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - began)
                outcomes[outcome] += 1

    def run(seconds: float) -> None:
        latencies.clear()
        outcomes.clear()
        start_at = time.time() + 1.0
        threads = [threading.Thread(target=client, args=(n, start_at, seconds)) for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    try:
        run(1.0)  # warm every environment
        run(duration)
    finally:
        server.shutdown()
        server.server_close()
        server.lambda_runtime.close()
    latencies.sort()
    return {
        "clients": clients,
        "tps": outcomes["ok"] / duration,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "errors": {name: count for name, count in outcomes.items() if name != "ok"},
    }


# ---------------------------------------------------------------- cost per transaction (this process)


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
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask_for_capacity)
        client.meta.events.register("after-call.dynamodb.*", self._record)

    def reset(self) -> None:
        self.calls.clear()
        self.failed.clear()
        self.wcu = self.rcu = self.priced_wru = self.priced_rru = 0.0

    def _ask_for_capacity(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            self.priced_wru += 1
        elif model.name == "TransactWriteItems":
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
        consumed = parsed.get("ConsumedCapacity") or []
        for entry in consumed if isinstance(consumed, list) else [consumed]:
            units = float(entry.get("CapacityUnits", 0))
            if name in ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"):
                self.rcu += units
            else:
                self.wcu += units


def measure_costs() -> list[dict[str, Any]]:
    from handlers import balance, balances, history, holds, reversal, system_accounts, transact, transfer
    from local.apigw import http_api_event
    from local.lambda_context import LocalLambdaContext
    from wallet.aws import dynamodb_client

    meter = CapacityMeter(dynamodb_client())
    user = f"cost-{uuid.uuid4().hex[:8]}"

    def post(key: str, amount: str, kind: str) -> int:
        body = json.dumps({"idempotentKey": key, "userId": user, "amount": amount, "type": kind})
        event = http_api_event("POST", "/transactions", headers={"content-type": "application/json"}, body=body)
        return int(transact.lambda_handler(event, LocalLambdaContext())["statusCode"])

    def expire_cache() -> None:
        client = dynamodb_client()
        for page in client.get_paginator("scan").paginate(TableName="WalletIdempotency", ProjectionExpression="id"):
            for item in page["Items"]:
                client.delete_item(TableName="WalletIdempotency", Key={"id": item["id"]})

    credit_key, debit_key, declined_key = (f"cost-{uuid.uuid4()}" for _ in range(3))

    def read(handler: Any, path: str, query: str = "") -> int:
        return int(handler.lambda_handler(http_api_event("GET", path, query), LocalLambdaContext())["statusCode"])

    def move(source: str, target: str) -> int:
        body = json.dumps(
            {"idempotentKey": str(uuid.uuid4()), "fromUserId": source, "toUserId": target, "amount": "1.00"}
        )
        event = http_api_event("POST", "/transfers", headers={"content-type": "application/json"}, body=body)
        return int(transfer.lambda_handler(event, LocalLambdaContext())["statusCode"])

    newcomer, stranger = f"cost-{uuid.uuid4().hex[:8]}", f"cost-{uuid.uuid4().hex[:8]}"
    last: dict[str, Any] = {}

    def send(handler: Any, path: str, body: dict[str, Any]) -> int:
        event = http_api_event("POST", path, headers={"content-type": "application/json"}, body=json.dumps(body))
        result = handler.lambda_handler(event, LocalLambdaContext())
        last.update(json.loads(result["body"]))
        return int(result["statusCode"])

    def place(amount: str) -> int:
        return send(holds, "/holds", {"idempotentKey": str(uuid.uuid4()), "userId": user, "amount": amount})

    def end_hold(action: str, body: dict[str, Any] | None = None) -> int:
        return send(holds, f"/holds/{last['holdId']}/{action}", {"idempotentKey": str(uuid.uuid4()), **(body or {})})

    def reverse(amount: str) -> int:
        debit = last["transactionId"]
        return send(reversal, f"/transactions/{debit}/reversal", {"idempotentKey": str(uuid.uuid4()), "amount": amount})

    def remember_a_debit() -> None:
        send(
            transact,
            "/transactions",
            {"idempotentKey": str(uuid.uuid4()), "userId": user, "amount": "3.00", "type": "debit"},
        )

    def limit_rate(per_second: str | None) -> None:
        """Turn the per-account rate limit on (bursts of 1) or off for the handlers of this process."""
        import wallet
        from api import movements
        from wallet.settings import get_settings

        for name, value in (("WALLET_USER_RATE_LIMIT", per_second), ("WALLET_USER_RATE_BURST", per_second and "1")):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for cached in (get_settings, wallet.default_service, movements.response_cache, movements.apply_once):
            cached.cache_clear()

    limited = f"cost-{uuid.uuid4().hex[:8]}"

    def open_limited() -> None:  # an existing account, as in the debit row above (no opening leg)
        send(
            transact,
            "/transactions",
            {"idempotentKey": str(uuid.uuid4()), "userId": limited, "amount": "1.00", "type": "credit"},
        )

    def open_limited_then_limit() -> None:
        open_limited()
        limit_rate("0.01")

    def debit_limited() -> int:
        body = {"idempotentKey": str(uuid.uuid4()), "userId": limited, "amount": "1.00", "type": "debit"}
        return send(transact, "/transactions", body)

    nothing = lambda: None  # noqa: E731
    steps = [  # (request, preparation outside the measurement, request, expected status)
        ("first-time credit (top-up of a new user)", nothing, lambda: post(credit_key, "10.00", "credit"), 201),
        ("debit (existing user)", nothing, lambda: post(debit_key, "5.00", "debit"), 201),
        ("replay (Powertools cache)", nothing, lambda: post(debit_key, "5.00", "debit"), 201),
        ("declined debit", nothing, lambda: post(declined_key, "1000.00", "debit"), 409),
        ("declined debit replay", nothing, lambda: post(declined_key, "1000.00", "debit"), 409),
        ("replay after cache expiry (ledger)", expire_cache, lambda: post(debit_key, "5.00", "debit"), 201),
        ("transfer to a new user", nothing, lambda: move(user, newcomer), 201),
        ("transfer between two new users", nothing, lambda: move(stranger, f"cost-{uuid.uuid4().hex[:8]}"), 201),
        ("transfer between existing users", nothing, lambda: move(user, newcomer), 201),
        ("balance read", nothing, lambda: read(balance, f"/users/{user}/balance"), 200),
        ("balances (3 assets)", nothing, lambda: read(balances, f"/users/{user}/balances"), 200),
        (
            "system account balance (8 buckets)",
            nothing,
            lambda: read(system_accounts, "/system-accounts/treasury/balance"),
            200,
        ),
        ("history page", nothing, lambda: read(history, f"/users/{user}/transactions"), 200),
        ("place a hold", nothing, lambda: place("4.00"), 201),
        ("capture a hold (in part)", nothing, lambda: end_hold("capture", {"amount": "3.00"}), 200),
        ("void a hold", lambda: place("2.00"), lambda: end_hold("void"), 200),
        ("reverse a debit (in part)", remember_a_debit, lambda: reverse("1.00"), 201),
        (
            "balance at an instant",
            nothing,
            lambda: read(balance, f"/users/{user}/balance", "at=2026-01-01T00:00:00Z"),
            200,
        ),
        ("debit with a rate limit set", open_limited_then_limit, debit_limited, 201),
        ("rate-limited debit (429)", nothing, debit_limited, 429),
    ]
    rows = []
    for name, prepare, action, expected in steps:
        prepare()
        meter.reset()
        status = action()
        if status != expected:
            raise RuntimeError(f"{name}: expected {expected}, got {status}")
        rows.append(
            {
                "operation": name,
                "dynamodb_calls": sum(meter.calls.values()),
                "calls": dict(meter.calls),
                "failed_conditional_calls": sum(meter.failed.values()),
                "wru": meter.priced_wru,
                "rru": meter.priced_rru,
                "reported_wcu": meter.wcu,
                "reported_rcu": meter.rcu,
                "usd_per_million": meter.priced_wru * PRICE_PER_MILLION_WRU + meter.priced_rru * PRICE_PER_MILLION_RRU,
            }
        )
    limit_rate(None)
    return rows


# ---------------------------------------------------------------- cold start and package size


def _import_microseconds(module: str, environment: dict[str, str], interpreter: str = sys.executable) -> int:
    result = subprocess.run(
        [interpreter, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    for line in result.stderr.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            return int(parts[1])
    raise RuntimeError(f"no import time line for {module}")


COLD_START_MODULES = ("handlers.balance", "handlers.transact", "handlers.history")


def measure_cold_start(runs: int = 7) -> dict[str, Any]:
    """Handler imports as on Lambda: from a bundle built like the deployed one, read-only bytecode, Lambda's
    environment variables (the X-Ray SDK takes its Lambda path). Twice: with this machine's Python (and
    once more without bytecode, as the asset shipped before it carried any), and with the runtime's own
    Python version (3.13) when one is installed, the bundle then holding that version's wheels and
    bytecode and boto3 installed beside it as the runtime ships it."""
    from infra.bundling import bundle_lambda_code, runtime_interpreter

    with tempfile.TemporaryDirectory() as work:
        compiled, source_only = Path(work) / "compiled", Path(work) / "source-only"
        bundle_lambda_code(compiled, platform=None, interpreter=sys.executable)
        shutil.copytree(compiled, source_only, ignore=shutil.ignore_patterns("__pycache__"))
        medians = _import_medians(sys.executable, compiled, None, runs)
        without_bytecode = _median_import_ms("handlers.transact", sys.executable, [source_only], runs)
        results: dict[str, Any] = {
            "runs": runs,
            "python": sys.version.split()[0],
            "import_ms": medians,
            "transact_without_bytecode_ms": without_bytecode,
            "ratio_transact_to_boto3": medians["handlers.transact"] / medians["boto3"],
        }
        runtime = runtime_interpreter()
        if runtime is not None:
            results["runtime"] = _runtime_cold_start(runtime, Path(work), runs)
    return results


def _runtime_cold_start(interpreter: str, work: Path, runs: int) -> dict[str, Any]:
    from infra.bundling import bundle_lambda_code, compile_bytecode

    bundle, provided = work / "runtime-bundle", work / "runtime-provided"
    try:
        bundle_lambda_code(bundle, platform=f"manylinux2014_{os.uname().machine}", interpreter=interpreter)
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
        boto3 = f"boto3=={_installed_version('boto3')}"
        subprocess.run([*pip, "--target", str(provided), boto3], check=True)  # as the runtime provides it
    except subprocess.CalledProcessError:
        return {"error": "could not download the runtime's wheels (PyPI unreachable?)"}
    compile_bytecode(provided, interpreter)
    medians = _import_medians(interpreter, bundle, provided, runs)
    version = subprocess.run([interpreter, "-c", "import platform; print(platform.python_version())"], **_TEXT)
    return {
        "python": version.stdout.strip(),
        "import_ms": medians,
        "ratio_transact_to_boto3": medians["handlers.transact"] / medians["boto3"],
    }


_TEXT: dict[str, Any] = {"capture_output": True, "text": True, "check": True}


def _installed_version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _import_medians(interpreter: str, bundle: Path, provided: Path | None, runs: int) -> dict[str, float]:
    """boto3 alone (as the runtime has it: installed, compiled), then each handler from the bundle."""
    runtime_path = [provided] if provided else []
    medians = {"boto3": _median_import_ms("boto3", interpreter, runtime_path, runs, in_lambda=False)}
    for module in COLD_START_MODULES:
        medians[module] = _median_import_ms(module, interpreter, [bundle, *runtime_path], runs)
    return medians


def _median_import_ms(module: str, interpreter: str, path: list[Path], runs: int, in_lambda: bool = True) -> float:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # /var/task is read-only
    environment.pop("PYTHONPATH", None)
    if path:
        environment["PYTHONPATH"] = os.pathsep.join(str(entry) for entry in path)
    if in_lambda:
        environment |= {"LAMBDA_TASK_ROOT": str(path[0]), "AWS_LAMBDA_FUNCTION_NAME": "wallet-cold-start"}
    return statistics.median(_import_microseconds(module, environment, interpreter) for _ in range(runs)) / 1000


def measure_package() -> dict[str, Any]:
    from infra.bundling import bundle_lambda_code

    with tempfile.TemporaryDirectory() as work:
        bundle = Path(work) / "bundle"
        try:
            bundle_lambda_code(bundle)
        except subprocess.CalledProcessError:
            return {"error": "could not download the arm64 wheels (PyPI unreachable?)"}
        unzipped = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file())
        archive = shutil.make_archive(str(Path(work) / "code"), "zip", bundle)
        return {"unzipped_mb": unzipped / 1e6, "zipped_mb": Path(archive).stat().st_size / 1e6}


# ---------------------------------------------------------------- report


def _throughput_table(results: dict[str, Any], mode: str) -> list[str]:
    rows = results["throughput"][mode]
    by_key = {(row["system"], row["scenario"], row["clients"]): row for row in rows}
    simulated = mode == "simulator"
    lines = [
        "| scenario | clients | baseline tx/s | service tx/s | service / baseline | service p50 / p95 / p99 ms "
        "| client-visible errors | "
        + ("conflicts + throttles retried per movement | system-item conflicts | " if simulated else "")
        + "calls / WRU per movement | DynamoDB ceiling on AWS |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | " + ("---: | ---: | " if simulated else "") + "--- | --- |",
    ]
    for scenario in results["scenarios"]:
        for clients in results["clients"]:
            base, service = by_key[("baseline", scenario, clients)], by_key[("service", scenario, clients)]
            errors = ", ".join(f"{name} {count}" for name, count in service["errors"].items()) or "none"
            if service["declined"]:
                errors += f" (declines: {service['declined']})"
            limit = ceiling(scenario, service, AWS_COMMIT_MS)
            contention = (
                f"{service['conflicts_per_movement'] + service['throttles_per_movement']:.2f} | "
                f"{service['conflicts_on_system_items']} | "
                if simulated
                else ""
            )
            ratio = service["tps"] / base["tps"] if base["tps"] else float("nan")
            lines.append(
                f"| {SCENARIOS[scenario]} | {clients} | {base['tps']:.0f} | {service['tps']:.0f} | {ratio:.0%} | "
                f"{service['p50_ms']:.0f} / {service['p95_ms']:.0f} / {service['p99_ms']:.0f} | {errors} | "
                f"{contention}{service['calls_per_movement']:.1f} / {service['wru_per_movement']:.1f} | "
                f"{limit['tps']:,.0f} tx/s ({limit['bound']}) |"
            )
    return lines


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Measured {results['measured_at']} on {results['machine']}, {results['duration_s']:.0f} s per scenario "
        f"({results['hot_duration_s']:.0f} s for one hot user, whose tail grows with the run), "
        "every client a separate process (one Lambda execution environment per client). tx/s counts committed "
        "movements; the baseline is one bare TransactWriteItems per movement (see bench/run.py).",
        "",
        "**Plain DynamoDB Local** (transactions run one at a time, never a conflict, no network latency):",
        "",
        *_throughput_table(results, "local"),
        "",
        f"**Through the contention simulator** (real DynamoDB's conflict and throttling rules, "
        f"{results['simulator_latency_ms']:g} ms per call):",
        "",
        *_throughput_table(results, "simulator"),
        "",
        "The ceiling is what DynamoDB's limits allow that scenario on AWS: spread scenarios are bound by the "
        f"table's default quota ({TABLE_WRU_PER_SECOND:,} WRU/s, raised on request) divided by the write units a "
        "movement costs; one hot account by committing one transaction at a time on its balance item "
        f"(about {AWS_COMMIT_MS:g} ms per TransactWriteItems from Lambda), below the partition's "
        f"{PARTITION_WCU_PER_SECOND} WCU/s.",
    ]
    if results.get("batched_hot_account"):
        batched = ", ".join(
            f"{row['batch']} per commit: {row['movements_per_s']:,.0f} movements/s "
            f"({row['commits_per_s']:.0f} commits/s, {row['throttled']} throttled)"
            for row in results["batched_hot_account"]
        )
        lines += [
            "",
            "A design not shipped, measured through the same simulator: one writer per hot account committing "
            f"several waiting movements in one transaction (their ledger entries and one balance update): {batched}. "
            "The account's partition then binds: 1,000 WCU/s over 2 WCU per transactional entry.",
        ]
    server = results["local_server"]
    in_process = next(
        row
        for row in results["throughput"]["local"]
        if (row["system"], row["scenario"], row["clients"]) == ("service", "spread", server["clients"])
    )
    server_errors = ", ".join(f"{name} {count}" for name, count in server["errors"].items()) or "no errors"
    lines += [
        "",
        f"`make run`'s server with {server['clients']} Lambda environments and {server['clients']} keep-alive "
        f"HTTP clients, spread credits: {server['tps']:.0f} tx/s (p50 {server['p50_ms']:.0f} ms, p99 "
        f"{server['p99_ms']:.0f} ms, {server_errors}), {server['tps'] / in_process['tps']:.0%} of the handlers "
        f"in-process with as many environments ({in_process['tps']:.0f} tx/s).",
        "",
        f"Cost per request at on-demand list prices (${PRICE_PER_MILLION_WRU} per million write request units, "
        f"${PRICE_PER_MILLION_RRU} per million read request units, us-east-1). Request units follow DynamoDB's "
        "pricing rules for the calls made (a transactional write is 2 WRU per item, plus 1 WRU for each ledger "
        "entry written to the ByTime index; a failed conditional write still costs 1 WRU); DynamoDB Local's own "
        "report is shown beside them:",
        "",
        "| request | DynamoDB calls | WRU | RRU | reported WCU / RCU | USD per million |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in results["cost"]:
        calls = ", ".join(f"{name} {count}" for name, count in sorted(row["calls"].items()))
        lines.append(
            f"| {row['operation']} | {row['dynamodb_calls']} ({calls}) | {row['wru']:g} | {row['rru']:g} | "
            f"{row['reported_wcu']:g} / {row['reported_rcu']:g} | {row['usd_per_million']:.2f} |"
        )
    cold = results["cold_start"]
    imports = ", ".join(f"`{module}` {ms:.0f} ms" for module, ms in cold["import_ms"].items())
    package = results["package"]
    size = (
        f"{package['zipped_mb']:.1f} MB zipped, {package['unzipped_mb']:.1f} MB unzipped"
        if "zipped_mb" in package
        else package["error"]
    )
    runtime = cold.get("runtime", {"error": "no Python 3.13 on this machine"})
    on_runtime = (
        f" With the runtime's Python ({runtime['python']}, its wheels and bytecode, boto3 beside the bundle): "
        + ", ".join(f"`{module}` {ms:.0f} ms" for module, ms in runtime["import_ms"].items())
        + f"; the transact handler imports in {runtime['ratio_transact_to_boto3']:.2f} times `import boto3`."
        if "import_ms" in runtime
        else f" With the runtime's Python: not measured ({runtime['error']})."
    )
    lines += [
        "",
        f"Cold start (median of {cold['runs']} fresh processes, `python -X importtime`, each handler imported "
        f"from a bundle built like the deployed one, with Lambda's environment variables). With this machine's "
        f"Python ({cold.get('python', '?')}): {imports}; the transact handler imports in "
        f"{cold['ratio_transact_to_boto3']:.2f} times the time of `import boto3` alone, and in "
        f"{cold['transact_without_bytecode_ms']:.0f} ms from the same bundle without its bytecode.{on_runtime} "
        f"Deployment package (arm64, Python 3.13, with bytecode): {size}.",
    ]
    return "\n".join(lines) + "\n"


def update_readme(table: str) -> None:
    text = README.read_text()
    if README_START not in text:
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    README.write_text(f"{head}{README_START}\n{table}{README_END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per scenario")
    parser.add_argument("--hot-duration", type=float, default=8.0, help="seconds per one-hot-user scenario")
    parser.add_argument("--clients", default="1,8,32,64", help="client counts, comma-separated")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    parser.add_argument("--modes", default="local,simulator", help="local, simulator or both")
    parser.add_argument("--latency-ms", type=float, default=5.0, help="per-call latency of the contention simulator")
    parser.add_argument("--server-clients", type=int, default=32, help="clients of the local HTTP server run")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    args = parser.parse_args()
    clients = [int(value) for value in args.clients.split(",")]
    scenarios = args.scenarios.split(",")
    modes = args.modes.split(",")

    from local.contention import ContentionSimulator

    dynamodb = DynamoDBLocal(port=free_port()).start()
    simulator, batched = None, []
    try:
        environment = {
            **local_aws_environment(dynamodb.endpoint),
            "POWERTOOLS_METRICS_DISABLED": "false",  # metrics are emitted as in Lambda (to /dev/null)
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
        os.environ.update(environment)
        from infra.tables import ensure_tables
        from wallet.aws import dynamodb_client

        ensure_tables(dynamodb_client())
        print(f"seeding {USERS} users...", flush=True)
        seed_users()
        throughput: dict[str, list[dict[str, Any]]] = {}
        if "local" in modes:
            throughput["local"] = measure_throughput(
                environment, scenarios, clients, args.duration, hot_duration=args.hot_duration
            )
        local_server = measure_local_server(environment, args.server_clients, args.duration)
        if "simulator" in modes:
            simulator = ContentionSimulator(dynamodb.endpoint, free_port(), latency_ms=args.latency_ms).start()
            simulated = {**environment, **local_aws_environment(simulator.endpoint)}
            throughput["simulator"] = measure_throughput(
                simulated, scenarios, clients, args.duration, simulator, hot_duration=args.hot_duration
            )
            batched = measure_batched_hot_account(simulator.endpoint, args.duration)
        print("measuring cost per request, cold start and package size...", flush=True)
        results = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
            "duration_s": args.duration,
            "hot_duration_s": args.hot_duration,
            "clients": clients,
            "scenarios": scenarios,
            "simulator_latency_ms": args.latency_ms,
            "throughput": throughput,
            "local_server": local_server,
            "batched_hot_account": batched,
            "cost": measure_costs(),
            "cold_start": measure_cold_start(),
            "package": measure_package(),
        }
    finally:
        if simulator:
            simulator.stop()
        dynamodb.stop()

    table = markdown(results)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS_DIR / "latest.md").write_text(table)
    if not args.no_readme and set(modes) == {"local", "simulator"}:
        update_readme(table)
    print()
    print(table)


if __name__ == "__main__":
    main()
