"""Benchmark: the wallet's handlers against the bare-minimum DynamoDB transaction, on DynamoDB Local and
through a simulator of real DynamoDB's conflict rules.

    make bench          (or: PYTHONPATH=lambdas:. .venv/bin/python -m bench.run [--read-ms 5 ...])

Everything runs on this machine, in one run, three times: on plain DynamoDB Local (which runs transactions
one at a time and never conflicts), through local/contention.py in front of it (TransactionConflict,
throttling per partition, each call timed as AWS times it: its AwsTimes), and through the same simulator
dilated (bench/dilation.py: every time k times as long, the clients' CPU included, so this machine's shared
CPU no longer bounds the rows; rates reported times k). Every scenario runs two systems
with the same number of clients, each client a process (a Lambda execution environment, as many as clients):
  - baseline: the least a correct implementation writes, straight from boto3: one TransactWriteItems with
    a conditional ledger Put and a conditional balance update per account touched, conflicts retried with
    the service's own policy;
  - service: the real lambda_handler of POST /transactions or POST /transfers (Powertools idempotency,
    validation, the wallet's read, double-entry transaction and retries).
Results go to bench/results/ and docs/benchmarks.md.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.costs import (
    measure_chain_cpu,
    measure_cold_start,
    measure_costs,
    measure_package,
)
from bench.report import (
    RESULTS_DIR,
    markdown,
    update_benchmarks_page,
)
from bench.runner import (
    measure_group_writer,
    measure_local_server,
    measure_throughput,
    measure_verify,
)
from bench.scenarios import (
    DILATION_EPOCH,
    DILATION_FACTOR,
    SCENARIOS,
    USERS,
    seed_users,
)
from local.contention import ContentionSimulator, ContentionState, add_time_arguments, times_from
from local.dynamodb_local import DynamoDBLocal, free_port, local_aws_environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per scenario")
    parser.add_argument("--hot-duration", type=float, default=8.0, help="seconds per one-hot-user scenario")
    parser.add_argument("--clients", default="1,8,32,64", help="client counts, comma-separated")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="scenarios, comma-separated")
    parser.add_argument("--modes", default="local,simulator,dilated", help="local, simulator, dilated (any of them)")
    parser.add_argument("--dilation", type=float, default=10.0, help="the dilated mode's factor (bench/dilation.py)")
    parser.add_argument("--dilated-clients", default="4,8,32", help="the dilated mode's client counts")
    parser.add_argument("--dilated-duration", type=float, default=10.0, help="seconds per dilated scenario")
    parser.add_argument("--dilated-hot-duration", type=float, default=20.0, help="... per dilated one-hot-user one")
    add_time_arguments(parser)  # how long the simulator takes per call: AWS's times by default
    parser.add_argument("--server-clients", type=int, default=32, help="clients of the local HTTP server run")
    parser.add_argument(
        "--no-docs", "--no-readme", dest="no_docs", action="store_true", help="do not update docs/benchmarks.md"
    )
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="only the scenarios: no server run, cost, cold start or package; results to a temporary file",
    )
    args = parser.parse_args()
    clients = [int(value) for value in args.clients.split(",")]
    scenarios = args.scenarios.split(",")
    modes = args.modes.split(",")

    # Imports are timed first, before DynamoDB Local starts and any load runs: timed after the load runs,
    # one run put the transact handler at 2.7 times `import boto3` (Python 3.13), and 1.8 times alone.
    quiet = {} if args.throughput_only else {"cold_start": measure_cold_start(), "package": measure_package()}
    dynamodb = DynamoDBLocal(port=free_port()).start()
    simulator, writer = None, {}
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
                environment,
                scenarios,
                clients,
                args.duration,
                hot_duration=args.hot_duration,
                dynamodb_pid=dynamodb.pid,
            )
        local_server = (
            None if args.throughput_only else measure_local_server(environment, args.server_clients, args.duration)
        )
        if "simulator" in modes:
            simulator = ContentionSimulator(dynamodb.endpoint, free_port(), times=times_from(args)).start()
            simulated = {**environment, **local_aws_environment(simulator.endpoint)}
            throughput["simulator"] = measure_throughput(
                simulated,
                scenarios,
                clients,
                args.duration,
                simulator,
                hot_duration=args.hot_duration,
                dynamodb_pid=dynamodb.pid,
            )
            if not args.throughput_only:
                writer = {
                    "local": measure_group_writer(dynamodb.endpoint),
                    "simulator": measure_group_writer(simulator.endpoint),
                }
        if "dilated" in modes:
            throughput["dilated"] = measure_dilated(environment, dynamodb, scenarios, args)
        # On plain DynamoDB Local: the environment points there.
        verify = None if args.throughput_only else measure_verify()
        if not args.throughput_only:
            print("measuring cost per request...", flush=True)
        results = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
            "duration_s": args.duration,
            "hot_duration_s": args.hot_duration,
            "clients": clients,
            "scenarios": scenarios,
            "simulator_times": times_from(args).describe(),
            "dilation": args.dilation if "dilated" in modes else None,
            "dilated_duration_s": args.dilated_duration,
            "dilated_hot_duration_s": args.dilated_hot_duration,
            "throughput": throughput,
            "local_server": local_server,
            "group_writer": writer,
            "verify": verify,
        }
        if not args.throughput_only:
            results.update(cost=measure_costs(), chain_cpu=measure_chain_cpu(), **quiet)
    finally:
        if simulator:
            simulator.stop()
        dynamodb.stop()

    table = markdown(results)
    if args.throughput_only:
        quick = Path(tempfile.gettempdir()) / "wallet-bench-throughput.json"
        quick.write_text(json.dumps(results, indent=2) + "\n")
        print(table)
        print(f"results: {quick}")
        return
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS_DIR / "latest.md").write_text(table)
    if not args.no_docs and set(modes) == {"local", "simulator", "dilated"}:
        update_benchmarks_page(table)
    print()
    print(table)


def measure_dilated(
    environment: dict[str, str], dynamodb: DynamoDBLocal, scenarios: list[str], args: argparse.Namespace
) -> list[dict[str, Any]]:
    """The scenarios through a simulator whose every time is dilated, with the clients' CPU and the service's
    clock dilated alike (bench/dilation.py): what the design does on AWS, this machine's CPU out of the race."""
    factor = args.dilation
    state = ContentionState(clock=lambda: time.monotonic() / factor)  # a partition's second, dilated
    simulator = ContentionSimulator(dynamodb.endpoint, free_port(), state=state, times=times_from(args).scaled(factor))
    simulator.start()
    try:
        dilated = {
            **environment,
            **local_aws_environment(simulator.endpoint),
            DILATION_FACTOR: str(factor),
            DILATION_EPOCH: str(time.time()),
        }
        return measure_throughput(
            dilated,
            scenarios,
            [int(value) for value in args.dilated_clients.split(",")],
            args.dilated_duration,
            simulator,
            hot_duration=args.dilated_hot_duration,
            dynamodb_pid=dynamodb.pid,
            dilation=factor,
        )
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
