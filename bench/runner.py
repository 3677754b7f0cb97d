"""Runs the scenarios: client processes against the baseline and the service, the local HTTP server,
and the batched single-writer sketch."""

import json
import multiprocessing
import os
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from bench.scenarios import (
    TABLE,
    USERS,
    _client_loop,
    _init_worker,
)
from local.dynamodb_local import free_port


def run_scenario(
    pool: ProcessPoolExecutor,
    system: str,
    scenario: str,
    clients: int,
    duration: float,
    dynamodb_pid: int | None = None,
    dilation: float = 1.0,
) -> dict[str, Any]:
    """One row. Dilated by a factor (bench/dilation.py), rates are reported times it and latencies divided
    by it: what the same run takes on AWS; CPU figures stay this machine's."""
    start_at = time.time() + 1.0
    futures = [pool.submit(_client_loop, system, scenario, start_at, duration, seed) for seed in range(clients)]
    time.sleep(max(0.0, start_at - time.time()))
    cpu_began = _cpu_seconds(dynamodb_pid), time.process_time()  # this process runs the simulator's threads
    parts = [future.result() for future in futures]
    dynamodb_cpu, simulator_cpu = _cpu_seconds(dynamodb_pid) - cpu_began[0], time.process_time() - cpu_began[1]
    ended_at = max(part["finished_at"] for part in parts)
    latencies = sorted(value / dilation for part in parts for value in part["latencies"])
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
        # The movements committed before the deadline, over the duration: one that ends after it is not
        # counted. (Counting every movement over the time the last one took to end made one slow movement
        # stretch the whole row's window: dilated, a movement 1 s long on AWS holds the row 10 s longer.)
        "tps": sum(part["committed_in_time"] for part in parts) * dilation / duration,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p95_ms": _percentile(latencies, 95) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "errors": {name: count for name, count in outcomes.items() if name not in ("ok", "declined")},
        "calls_per_movement": sum(part["calls"] for part in parts) / movements,
        "wru_per_movement": sum(part["wru"] for part in parts) / movements,
        "rru_per_movement": sum(part["rru"] for part in parts) / movements,
        "committed_items_per_movement": sum(part["committed_transaction_items"] for part in parts) / movements,
        # What the calls were, per movement: where a change of the request path shows first.
        "calls_by_operation": _per_movement(parts, "by_operation", movements),
        "failed_by_operation": _per_movement(parts, "failed_by_operation", movements),
        # Where this machine's 2 cores went, per movement: what bounds a row when every part shares them.
        "cpu_ms_per_movement": {
            "clients": sum(part["cpu_s"] for part in parts) * 1000 / movements,
            "dynamodb_local": dynamodb_cpu * 1000 / movements,
            "simulator": simulator_cpu * 1000 / movements,
        },
        # The share of the machine's cores the row kept busy: near 1, the CPU bounds the row.
        "cpu_busy": (sum(part["cpu_s"] for part in parts) + dynamodb_cpu + simulator_cpu)
        / ((ended_at - start_at) * (os.cpu_count() or 1)),
    }


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU a process has used so far (Linux /proc; every thread of it, the JVM's included)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _per_movement(parts: list[dict[str, Any]], name: str, movements: int) -> dict[str, float]:
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part[name])
    return {operation: round(count / movements, 3) for operation, count in sorted(total.items())}


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def measure_throughput(
    environment: dict[str, str],
    scenarios: list[str],
    clients: list[int],
    duration: float,
    simulator: Any = None,
    hot_duration: float | None = None,
    dynamodb_pid: int | None = None,
    dilation: float = 1.0,
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
                    row = run_scenario(pool, system, scenario, count, seconds, dynamodb_pid, dilation)
                    if simulator:
                        stats = simulator.state.snapshot()
                        seen = stats.get("transaction_conflicts", 0) + stats.get("single_write_conflicts", 0)
                        row["conflicts_per_movement"] = seen / max(1, row["movements"] + row["declined"])
                        row["throttles_per_movement"] = stats.get("throttles", 0) / max(1, row["movements"])
                        row["conflicts_on_system_items"] = stats.get("conflicts_on_SYSTEM", 0)
                        row["simulator_counters"] = stats
                    rows.append(row)
                    mode = "dilated" if dilation > 1 else "simulator" if simulator else "local"
                    print(
                        f"{mode:9} {scenario:10} {count:3} clients {system:8} "
                        f"{row['tps']:7.1f} tx/s  p50 {row['p50_ms']:6.1f}  p99 {row['p99_ms']:7.1f} ms  "
                        f"errors {row['errors'] or 0}  conflicts/mvt {row.get('conflicts_per_movement', 0):.2f}  "
                        f"cpu ms/mvt {sum(row['cpu_ms_per_movement'].values()):.1f}  cores busy {row['cpu_busy']:.0%}",
                        flush=True,
                    )
    return rows


def measure_verify() -> dict[str, Any]:
    """`make verify` over the whole bench table once the rows have run (every entry they wrote), on DynamoDB
    Local (AWS_ENDPOINT_URL_DYNAMODB): entries verified per second, and what it found (none on an untouched table)."""
    from wallet.aws import dynamodb_scan_client
    from wallet.repository import WalletRepository
    from wallet.settings import get_settings
    from wallet.verify import verify_ledger

    report = verify_ledger(WalletRepository(dynamodb_scan_client(), TABLE), get_settings(), None)
    row = {
        "accounts": report.accounts,
        "entries": report.entries,
        "system_legs": report.system_legs,
        "seconds": report.seconds,
        "entries_per_s": report.entries_per_second,
        "findings": len(report.findings),
    }
    print(
        f"make verify: {row['entries']:,} entries of {row['accounts']:,} accounts in {row['seconds']:.1f} s "
        f"({row['entries_per_s']:,.0f} entries/s), {row['findings']} findings",
        flush=True,
    )
    return row


def measure_group_writer(endpoint: str, movements: int = 300) -> dict[str, Any]:
    """The group commit's writer alone: `movements` credits already queued on one hot account, committed by
    one caller that takes the lease, group after group. What bounds the hot rows from the writer's side:
    no client competes for the CPU here."""
    import boto3

    from bench.meter import CapacityMeter
    from wallet.models import canonical_json
    from wallet.repository import WalletRepository
    from wallet.service import WalletService
    from wallet.settings import get_settings

    client = boto3.session.Session().client("dynamodb", endpoint_url=endpoint)
    service = WalletService(WalletRepository(client, TABLE), get_settings())
    user = f"bench-writer-{uuid.uuid4().hex[:8]}"
    service.transact(f"{user}-open", user, "1.00", "credit")
    service._hot_account = lambda planner, _accounts, _now: (  # type: ignore[method-assign,assignment]
        planner.account_keys[-1] if planner.batchable else None
    )
    for number in range(movements):
        command = service.transaction_command(f"{user}-{number}", user, "0.01", "credit")
        service.repository.enqueue(
            (user, "USD"), command.idempotent_key, canonical_json(service.payload(command)), number + 1
        )
    meter = CapacityMeter(client)
    began = time.perf_counter()
    service.transact(f"{user}-last", user, "0.01", "credit")  # queued last: its caller commits them all
    elapsed = time.perf_counter() - began
    groups = meter.calls["TransactWriteItems"]
    row = {
        "movements": movements + 1,
        "movements_per_s": (movements + 1) / elapsed,
        "groups": groups,
        "movements_per_group": (movements + 1) / max(1, groups),
        "group_ms": elapsed * 1000 / max(1, groups),
        "wru_per_movement": meter.priced_wru / (movements + 1),
    }
    print(
        f"group writer alone: {row['movements_per_s']:.0f} movements/s, {row['movements_per_group']:.1f} per group, "
        f"{row['group_ms']:.0f} ms per group",
        flush=True,
    )
    return row


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
