"""Benchmark: the wallet's transaction handler against the bare-minimum DynamoDB transaction.

    make bench          (or: PYTHONPATH=lambdas:. .venv/bin/python -m bench.run)

Everything runs on this machine against an in-memory DynamoDB Local started here, in one run:
  - baseline: one TransactWriteItems (conditional ledger Put + conditional balance update) per
    transaction, straight from boto3, the least any correct implementation must do;
  - service: POST /transactions API Gateway events through the real lambda_handler (Powertools
    idempotency, validation, the wallet's read + transaction);
both with the same number of concurrent clients, each client a process (a Lambda execution
environment: handlers must not share a process, see local/runtime.py). Results go to bench/results/
and the README's benchmark section.
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


# ---------------------------------------------------------------- load generation (worker processes)

_worker: dict[str, Any] = {}


def _init_worker(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Lambda ships stdout (EMF metrics) to CloudWatch; here, nowhere
    from handlers import transact
    from local.apigw import http_api_event
    from local.lambda_context import LocalLambdaContext
    from wallet.aws import dynamodb_client

    _worker.update(
        handler=transact.lambda_handler,
        event=http_api_event,
        context=LocalLambdaContext,
        client=dynamodb_client(),
    )


def _baseline_transaction(user: str) -> str:
    """The least a correct implementation does: a conditional ledger Put and balance update, atomically."""
    pk = {"S": f"BASE#{user}"}
    _worker["client"].transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": TABLE,
                    "Item": {"PK": pk, "SK": {"S": f"LEDGER#{uuid.uuid4()}"}, "amountMinor": {"N": "1"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"PK": pk, "SK": {"S": "BALANCE"}},
                    "UpdateExpression": "SET balanceMinor = if_not_exists(balanceMinor, :initial) + :amount",
                    "ConditionExpression": "attribute_not_exists(balanceMinor) OR balanceMinor >= :zero",
                    "ExpressionAttributeValues": {
                        ":initial": {"N": "10000"},
                        ":amount": {"N": "1"},
                        ":zero": {"N": "0"},
                    },
                }
            },
        ]
    )
    return "ok"


def _top_up_with(system_item: dict[str, Any]) -> str:
    """A first-time top-up written the way the service writes one (key record, new balance, ledger entry),
    plus the system side as given; conflicts are retried like the service does (full jitter, 6 s)."""
    from wallet.service import RetryPolicy

    user, key = f"new-{uuid.uuid4().hex}", uuid.uuid4().hex
    items = [
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": f"TXKEY#{key}"}, "SK": {"S": "TXKEY"}}}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"PK": {"S": f"USER#{user}"}, "SK": {"S": "BALANCE#USD"}},
                "UpdateExpression": "SET balanceMinor = :balance",
                "ConditionExpression": "attribute_not_exists(PK)",
                "ExpressionAttributeValues": {":balance": {"N": "10001"}},
            }
        },
        {"Put": {"TableName": TABLE, "Item": {"PK": {"S": f"USER#{user}"}, "SK": {"S": "LEDGER#USD#1"}}}},
        system_item,
    ]
    policy, deadline, attempt = RetryPolicy(), time.monotonic() + RetryPolicy().max_seconds, 0
    while True:
        try:
            _worker["client"].transact_write_items(TransactItems=items)
            return "ok"
        except _worker["client"].exceptions.TransactionCanceledException:
            attempt += 1
            delay = policy.delay(attempt)
            if time.monotonic() + delay > deadline:
                return "gave up"
            time.sleep(delay)


def _shared_treasury_top_up(_: str) -> str:
    """Before: every top-up also updates one treasury balance item."""
    return _top_up_with(
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"PK": {"S": "SYSTEM#treasury-shared#USD"}, "SK": {"S": "BALANCE"}},
                "UpdateExpression": "ADD balanceMinor :amount",
                "ExpressionAttributeValues": {":amount": {"N": "-10001"}},
            }
        }
    )


def _appended_treasury_top_up(_: str) -> str:
    """After: every top-up appends its own treasury leg (the service's design), in one of 8 buckets."""
    leg = uuid.uuid4().hex
    pk = f"SYSTEM#treasury-bench#USD#{int(leg[:8], 16) % 8:02d}"
    return _top_up_with({"Put": {"TableName": TABLE, "Item": {"PK": {"S": pk}, "SK": {"S": f"ENTRY#{leg}"}}}})


def _service_top_up(_: str) -> str:
    """The service's own first-time top-up of a new user, through the handler."""
    return _service_transaction(f"new-{uuid.uuid4().hex}")


_OPERATIONS = {
    "baseline": _baseline_transaction,
    "before: shared treasury item": _shared_treasury_top_up,
    "after: appended treasury legs": _appended_treasury_top_up,
    "service top-up of a new user": _service_top_up,
}


def _service_transaction(user: str) -> str:
    body = json.dumps({"idempotentKey": str(uuid.uuid4()), "userId": user, "amount": "0.01", "type": "credit"})
    event = _worker["event"]("POST", "/transactions", headers={"content-type": "application/json"}, body=body)
    result = _worker["handler"](event, _worker["context"]())
    return "ok" if result["statusCode"] == 201 else str(result["statusCode"])


def _client_loop(system: str, workload: str, users: int, start_at: float, duration: float, seed: int) -> dict[str, Any]:
    operation = _OPERATIONS.get(system, _service_transaction)
    rng = random.Random(seed)
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    time.sleep(max(0.0, start_at - time.time()))
    deadline = start_at + duration
    while time.time() < deadline:
        user = "bench-hot" if workload == "hot" else f"bench-{rng.randrange(users)}" if users else ""
        began = time.perf_counter()
        try:
            outcomes[operation(user)] += 1
        except Exception as error:  # a client-visible failure is a result to report, not a crash
            outcomes[type(error).__name__] += 1
        latencies.append(time.perf_counter() - began)
    return {"latencies": latencies, "outcomes": dict(outcomes)}


SYSTEM_DESIGNS = ("before: shared treasury item", "after: appended treasury legs", "service top-up of a new user")


def compare_system_account_designs(
    endpoint: str, clients: list[int], duration: float, latency_ms: float
) -> list[dict[str, Any]]:
    """First-time top-ups through the contention simulator: one shared treasury item vs appended legs."""
    from local.contention import ContentionSimulator

    simulator = ContentionSimulator(endpoint, free_port(), latency_ms=latency_ms).start()
    environment = {
        **local_aws_environment(simulator.endpoint),
        "POWERTOOLS_METRICS_DISABLED": "false",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    rows = []
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max(clients), mp_context=context, initializer=_init_worker, initargs=(environment,)
        ) as pool:
            run_scenario(pool, SYSTEM_DESIGNS[-1], "new", max(clients), 0, 1.0)  # warm the processes
            for design in SYSTEM_DESIGNS:
                for count in clients:
                    simulator.state.reset()
                    row = run_scenario(pool, design, "new", count, 0, duration)
                    stats = simulator.state.snapshot()
                    row["conflicts_on_system_items"] = stats.get("conflicts_on_SYSTEM", 0)
                    row["transaction_conflicts"] = stats.get("transaction_conflicts", 0)
                    rows.append(row)
                    print(
                        f"simulator {design:32} {count:3} clients {row['tps']:7.1f} tx/s  p99 {row['p99_ms']:7.1f} ms  "
                        f"system-item conflicts {row['conflicts_on_system_items']}  errors {row['errors']}",
                        flush=True,
                    )
    finally:
        simulator.stop()
    return rows


def run_scenario(pool: ProcessPoolExecutor, system: str, workload: str, clients: int, users: int, duration: float):
    start_at = time.time() + 1.0
    futures = [pool.submit(_client_loop, system, workload, users, start_at, duration, seed) for seed in range(clients)]
    parts = [future.result() for future in futures]
    latencies = sorted(value for part in parts for value in part["latencies"])
    outcomes: Counter[str] = Counter()
    for part in parts:
        outcomes.update(part["outcomes"])
    return {
        "system": system,
        "workload": workload,
        "clients": clients,
        "transactions": len(latencies),
        "tps": len(latencies) / duration,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p95_ms": _percentile(latencies, 95) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "errors": {name: count for name, count in outcomes.items() if name != "ok"},
    }


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


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

    nothing = lambda: None  # noqa: E731
    steps = [  # (request, preparation outside the measurement, request, expected status)
        ("first-time credit (new user)", nothing, lambda: post(credit_key, "10.00", "credit"), 201),
        ("first-time debit", nothing, lambda: post(debit_key, "5.00", "debit"), 201),
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
    return rows


# ---------------------------------------------------------------- cold start and package size


def _import_microseconds(module: str, environment: dict[str, str]) -> int:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
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


def measure_cold_start(runs: int = 7) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'lambdas'}:{REPO_ROOT}"}
    medians = {}
    for module in ("boto3", "handlers.balance", "handlers.transact", "handlers.history"):
        samples = [_import_microseconds(module, environment) for _ in range(runs)]
        medians[module] = statistics.median(samples) / 1000
    return {
        "runs": runs,
        "import_ms": medians,
        "ratio_transact_to_boto3": medians["handlers.transact"] / medians["boto3"],
    }


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


def markdown(results: dict[str, Any]) -> str:
    lines = [
        f"Measured {results['measured_at']} on {results['machine']} against DynamoDB Local "
        f"(in memory), {results['duration_s']:.0f} s per scenario, every client a separate process.",
        "",
        "| workload | clients | baseline tx/s | service tx/s | service/baseline | baseline p50/p95/p99 ms "
        "| service p50/p95/p99 ms | service errors |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    by_key = {(row["system"], row["workload"], row["clients"]): row for row in results["throughput"]}
    for workload in results["workloads"]:
        for clients in results["clients"]:
            base, service = by_key[("baseline", workload, clients)], by_key[("service", workload, clients)]
            label = f"spread over {results['users']} users" if workload == "spread" else "one hot user"
            errors = ", ".join(f"{name} {count}" for name, count in service["errors"].items()) or "none"
            lines.append(
                f"| {label} | {clients} | {base['tps']:.0f} | {service['tps']:.0f} | "
                f"{service['tps'] / base['tps']:.0%} | {base['p50_ms']:.1f} / {base['p95_ms']:.1f} / "
                f"{base['p99_ms']:.1f} | {service['p50_ms']:.1f} / {service['p95_ms']:.1f} / "
                f"{service['p99_ms']:.1f} | {errors} |"
            )
    lines += [
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
    lines += [
        "",
        f"System accounts under the contention simulator (real DynamoDB's conflict rules, "
        f"{results['simulator_latency_ms']:g} ms per call): first-time top-ups of distinct new users, each "
        "also moving money out of the treasury. Before: the treasury is one balance item that every top-up "
        "updates. After: every top-up appends its own treasury leg (this service's design). Both retry "
        "conflicts like the service (full jitter within 6 s); the last row is the service itself.",
        "",
        "| design | clients | tx/s | p50 / p99 ms | conflicts on system items | all conflicts | errors |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for row in results["system_accounts"]:
        errors = ", ".join(f"{name} {count}" for name, count in row["errors"].items()) or "none"
        lines.append(
            f"| {row['system']} | {row['clients']} | {row['tps']:.0f} | {row['p50_ms']:.1f} / {row['p99_ms']:.1f} | "
            f"{row['conflicts_on_system_items']} | {row['transaction_conflicts']} | {errors} |"
        )
    cold = results["cold_start"]
    imports = ", ".join(f"`{module}` {ms:.0f} ms" for module, ms in cold["import_ms"].items())
    package = results["package"]
    size = (
        f"{package['zipped_mb']:.1f} MB zipped, {package['unzipped_mb']:.1f} MB unzipped"
        if "zipped_mb" in package
        else package["error"]
    )
    lines += [
        "",
        f"Cold start (median of {cold['runs']} fresh processes, `python -X importtime`): {imports}; "
        f"the transact handler imports in {cold['ratio_transact_to_boto3']:.1f} times the time of `import boto3` "
        f"alone. Deployment package (arm64, Python 3.13): {size}.",
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
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per scenario")
    parser.add_argument("--clients", default="1,8,32", help="client counts, comma-separated")
    parser.add_argument("--users", type=int, default=1000, help="users in the spread workload")
    parser.add_argument("--workloads", default="spread,hot", help="spread, hot or both")
    parser.add_argument("--latency-ms", type=float, default=5.0, help="per-call latency of the contention simulator")
    parser.add_argument("--no-readme", action="store_true", help="do not update README.md")
    args = parser.parse_args()
    clients = [int(value) for value in args.clients.split(",")]

    dynamodb = DynamoDBLocal(port=free_port()).start()
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
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max(clients), mp_context=context, initializer=_init_worker, initargs=(environment,)
        ) as pool:
            print(f"warming {max(clients)} client processes...", flush=True)
            for system in ("baseline", "service"):
                run_scenario(pool, system, "spread", max(clients), args.users, 1.0)
            throughput = []
            for workload in args.workloads.split(","):
                for count in clients:
                    for system in ("baseline", "service"):
                        row = run_scenario(pool, system, workload, count, args.users, args.duration)
                        throughput.append(row)
                        print(
                            f"{workload:6} {count:3} clients {system:8} {row['tps']:7.1f} tx/s  "
                            f"p50 {row['p50_ms']:6.1f} ms  p99 {row['p99_ms']:6.1f} ms  errors {row['errors']}",
                            flush=True,
                        )
        print("measuring cost per request, cold start and package size...", flush=True)
        results = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
            "duration_s": args.duration,
            "clients": clients,
            "workloads": args.workloads.split(","),
            "users": args.users,
            "throughput": throughput,
            "cost": measure_costs(),
            "simulator_latency_ms": args.latency_ms,
            "system_accounts": compare_system_account_designs(
                dynamodb.endpoint, clients, args.duration, args.latency_ms
            ),
            "cold_start": measure_cold_start(),
            "package": measure_package(),
        }
    finally:
        dynamodb.stop()

    table = markdown(results)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS_DIR / "latest.md").write_text(table)
    if not args.no_readme:
        update_readme(table)
    print()
    print(table)


if __name__ == "__main__":
    main()
