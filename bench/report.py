"""The benchmark's tables: bench/results/latest.md and the figures in docs/benchmarks.md."""

from typing import Any

from bench.scenarios import (
    SCENARIOS,
)
from local.contention import AwsTimes
from local.dynamodb_local import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "bench" / "results"
BENCHMARKS_PAGE = REPO_ROOT / "docs" / "benchmarks.md"
FIGURES_START, FIGURES_END = "<!-- bench:start -->", "<!-- bench:end -->"
# DynamoDB on-demand list prices, us-east-1, per million request units (since the November 2024 cut).
PRICE_PER_MILLION_WRU = 0.625
PRICE_PER_MILLION_RRU = 0.125
# DynamoDB's own limits (developer guide): an on-demand table's default quota is 40,000 WRU/s; one
# partition takes at most 1,000 WCU/s; a transactional write costs 2 WCU per item under 1 KB; an item in
# a transaction in flight refuses every other transaction, so one item commits at most one transaction per
# commit time. Measured from Lambda (public tests): a TransactWriteItems takes about 25 ms at p50.
TABLE_WRU_PER_SECOND = 40_000
PARTITION_WCU_PER_SECOND = 1_000
TRANSACTION_ITEMS = 100  # actions in one TransactWriteItems
AWS_COMMIT_MS = 25.0


def ceiling(scenario: str, row: dict[str, Any], commit_ms: float) -> dict[str, Any]:
    """The throughput DynamoDB's own limits allow this scenario, and why (see the constants above)."""
    wru = max(row["wru_per_movement"], 1.0)
    if not scenario.startswith("hot"):
        return {
            "tps": TABLE_WRU_PER_SECOND / wru,
            "bound": f"table quota {TABLE_WRU_PER_SECOND:,} WRU/s / {wru:.1f} WRU",
        }
    # The hot partition (USER#<hot>) takes the new ledger entry of every movement (2 WCU) and one balance
    # update per commit (2 WCU); group commit puts k movements in a commit (its writer reads the queue
    # once per group, so k is movements per Query). One commit holds the balance for a transaction's time,
    # which on AWS grows a little with its items (AwsTimes). However many wait, a group holds at most
    # TRANSACTION_ITEMS (the lease and each movement's items), which bounds the account at any load.
    groups = row.get("calls_by_operation", {}).get("Query", 0.0)
    per_commit = 1 / groups if groups > 0 else 1.0
    by_partition = PARTITION_WCU_PER_SECOND / (2 + 2 / per_commit)
    items = row.get("committed_items_per_movement")
    if items:
        times = AwsTimes()
        commit_ms = times.seconds("TransactWriteItems", round(1 + items * per_commit)) * 1000
        largest = (TRANSACTION_ITEMS - 1) // items
        largest_ms = times.seconds("TransactWriteItems", round(1 + items * largest)) * 1000
        most = f"; at most {1000 * largest / largest_ms:,.0f}/s in groups of {largest:.0f}"
        most += f", the most {TRANSACTION_ITEMS} items hold"
        commit = f"{per_commit:.0f} per commit of {1 + items * per_commit:.0f} items, {commit_ms:.0f} ms each{most}"
    else:
        commit = f"{per_commit:.0f} per commit, 1 commit / {commit_ms:.0f} ms"
    by_commit = per_commit * 1000 / commit_ms
    if by_commit < by_partition:
        return {"tps": by_commit, "bound": commit}
    return {
        "tps": by_partition,
        "bound": f"partition {PARTITION_WCU_PER_SECOND} WCU/s / {2 + 2 / per_commit:.1f} WCU, "
        f"{per_commit:.0f} per commit",
    }


# ---------------------------------------------------------------- report


def _throughput_table(results: dict[str, Any], mode: str) -> list[str]:
    rows = results["throughput"].get(mode)
    if not rows:
        return ["Not measured in this run."]
    by_key = {(row["system"], row["scenario"], row["clients"]): row for row in rows}
    simulated, dilated = mode in ("simulator", "dilated"), mode == "dilated"
    # Dilated, the CPU per movement mostly counts the idle JVM over a long row; what matters is that the
    # cores were not the bound.
    cpu_header = "cores busy, baseline / service" if dilated else "CPU ms per movement, baseline → service"
    lines = [
        "| scenario | clients | baseline tx/s | service tx/s | service / baseline | service p50 / p95 / p99 ms "
        "| client-visible errors | "
        + ("conflicts + throttles retried per movement | system-item conflicts | " if simulated else "")
        + f"calls / WRU per movement | {cpu_header} | DynamoDB ceiling on AWS |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | "
        + ("---: | ---: | " if simulated else "")
        + "--- | --- | --- |",
    ]
    for scenario in results["scenarios"]:
        for clients in sorted({row["clients"] for row in rows}):
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
            cpu = (
                f"{base['cpu_busy']:.0%} / {service['cpu_busy']:.0%}" if dilated else f"{_cpu(base)} → {_cpu(service)}"
            )
            lines.append(
                f"| {SCENARIOS[scenario]} | {clients} | {base['tps']:.0f} | {service['tps']:.0f} | {ratio:.0%} | "
                f"{service['p50_ms']:.0f} / {service['p95_ms']:.0f} / {service['p99_ms']:.0f} | {errors} | "
                f"{contention}{service['calls_per_movement']:.1f} / {service['wru_per_movement']:.1f} | "
                f"{cpu} | {limit['tps']:,.0f} tx/s ({limit['bound']}) |"
            )
    return lines


def _cpu(row: dict[str, Any]) -> str:
    """The CPU a movement took on this machine: its client's + DynamoDB Local's (+ the simulator's)."""
    cpu = row.get("cpu_ms_per_movement")
    if not cpu:
        return "not measured"
    parts = [cpu["clients"], cpu["dynamodb_local"]] + ([cpu["simulator"]] if cpu["simulator"] >= 0.05 else [])
    return " + ".join(f"{part:.1f}" for part in parts)


def cpu_bound(results: dict[str, Any], mode: str) -> str:
    """What the CPU figures say at 32 clients (the issues' measure), when the cores are the bound and tx/s
    goes as cores / CPU per movement: how far spread credits can come to the baseline (DynamoDB Local's
    share of the service's CPU caps it however little the client spends), and how many times its own
    1-client rate a hot account's CPU per movement leaves room for."""
    rows = {(row["system"], row["scenario"], row["clients"]): row for row in results["throughput"].get(mode) or []}
    clients = 32 if 32 in results["clients"] else max(results["clients"])
    cores = int(results["machine"].split()[0])
    found = []
    base, service = rows.get(("baseline", "spread", clients)), rows.get(("service", "spread", clients))
    if base and service and "cpu_ms_per_movement" in service:
        bare, full = (sum(row["cpu_ms_per_movement"].values()) for row in (base, service))
        cpu, half = service["cpu_ms_per_movement"], 2 * sum(base["cpu_ms_per_movement"].values())
        found.append(
            f"spread credits take {bare:.1f} ms of CPU per movement bare and {full:.1f} ms through the service "
            f"({bare / full:.0%}); half the baseline's rate would need at most {half:.1f} ms, of which DynamoDB "
            f"Local's part already takes {cpu['dynamodb_local']:.1f} and the simulator's {cpu['simulator']:.1f}, "
            f"leaving {half - cpu['dynamodb_local'] - cpu['simulator']:.1f} ms for the client, which spends "
            f"{cpu['clients']:.1f} ms on {service['calls_per_movement']:.0f} DynamoDB calls (the bare client "
            f"{base['cpu_ms_per_movement']['clients']:.1f} ms on one)"
        )
    one, hot = rows.get(("service", "hot-credit", 1)), rows.get(("service", "hot-credit", clients))
    if one and hot and "cpu_ms_per_movement" in hot:
        per_movement = sum(hot["cpu_ms_per_movement"].values())
        room = cores * 1000 / per_movement
        bare_hot = rows.get(("baseline", "hot-credit", clients))
        found.append(
            f"one hot user's credits take {per_movement:.1f} ms of CPU per movement, room for "
            f"{room:.0f} tx/s on {cores} cores, {room / one['tps']:.1f} times its 1-client rate "
            f"({one['tps']:.0f} tx/s; 5 times would need {cores * 1000 / (5 * one['tps']):.1f} ms per movement"
            + (
                f", the bare baseline's takes {sum(bare_hot['cpu_ms_per_movement'].values()):.1f})"
                if bare_hot and "cpu_ms_per_movement" in bare_hot
                else ")"
            )
        )
    return f"{mode} at {clients} clients: " + "; ".join(found) if found else ""


def dilated_ratios(results: dict[str, Any]) -> list[str]:
    """Per client count, in the dilated run: each row against the row it is judged by (hot accounts and orders
    against spread credits, one hot seller against orders spread over 100 sellers), with p99s."""
    rows = {(row["scenario"], row["clients"]): row for row in results["throughput"].get("dilated") or []}
    judged_by = {
        "hot-credit": "spread",
        "hot-mixed": "spread",
        "order": "spread",
        "hot-order": "order",
        "transfer": "spread",
        "topup": "spread",
    }
    lines = []
    for clients in sorted({clients for _, clients in rows}):
        parts = []
        for scenario, judge in judged_by.items():
            row, against = rows.get((scenario, clients)), rows.get((judge, clients))
            if row and against and against["tps"]:
                parts.append(
                    f"{scenario} / {judge} {row['tps'] / against['tps']:.2f} (p99 {row['p99_ms']:.0f} ms against "
                    f"{against['p99_ms']:.0f})"
                )
        if parts:
            lines.append(f"- {clients} clients: " + "; ".join(parts) + ".")
    return lines


def order_goals(results: dict[str, Any], mode: str) -> str:
    """At 32 clients: orders against spread credits, and orders to one hot seller against orders spread over
    100 sellers (throughput ratios, p99, errors)."""
    rows = {(row["system"], row["scenario"], row["clients"]): row for row in results["throughput"].get(mode) or []}
    clients = 32
    spread, order, hot = (rows.get(("service", name, clients)) for name in ("spread", "order", "hot-order"))
    if not (spread and order):
        return ""
    text = (
        f"{mode} at {clients} clients: orders {order['tps']:.0f} tx/s against spread credits {spread['tps']:.0f} "
        f"({order['tps'] / spread['tps']:.0%}), p99 {order['p99_ms']:.0f} ms, errors {sum(order['errors'].values())}"
    )
    if hot:
        text += (
            f"; one hot seller {hot['tps']:.0f} tx/s ({hot['tps'] / order['tps']:.0%} of the order row), p99 "
            f"{hot['p99_ms']:.0f} ms, errors {sum(hot['errors'].values())}"
        )
    return text


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
        f"{_simulator_times(results)}):",
        "",
        *_throughput_table(results, "simulator"),
        "",
        "The ceiling is what DynamoDB's limits allow that scenario on AWS: spread scenarios are bound by the "
        f"table's default quota ({TABLE_WRU_PER_SECOND:,} WRU/s, raised on request) divided by the write units a "
        "movement costs; one hot account by its partition's "
        f"{PARTITION_WCU_PER_SECOND} WCU/s, or by its balance item committing one transaction at a time, each as "
        f"long as AWS takes for its items ({AwsTimes().describe()}), times the movements each group commit "
        "carries (measured here), whichever is lower.",
    ]
    if results["throughput"].get("dilated"):
        lines += [
            "",
            f"**Dilated** (the simulator above with every time {results['dilation']:g} times as long, the clients' CPU "
            "and the service's clock dilated alike, so the 2 cores no longer bound the rows; rates multiplied and "
            f"latencies divided by {results['dilation']:g}: the same run as AWS would time it, each Lambda on its own "
            f"CPU of this machine's speed; {results['dilated_duration_s']:.0f} s per row, "
            f"{results['dilated_hot_duration_s']:.0f} s for one hot account; see bench/dilation.py):",
            "",
            *_throughput_table(results, "dilated"),
            "",
            "Each row against the row it is judged by, dilated:",
            "",
            *dilated_ratios(results),
        ]
    orders = [text for text in (order_goals(results, mode) for mode in ("local", "simulator", "dilated")) if text]
    if orders:
        lines += [
            "",
            "Orders with a fee (POST /postings) against the rows they are judged by: " + "; ".join(orders) + ".",
        ]
    bounds = [text for text in (cpu_bound(results, mode) for mode in ("local", "simulator")) if text]
    if bounds:
        lines += [
            "",
            "CPU per movement is measured over each row (every client process, DynamoDB Local's JVM with all its "
            "threads, and the simulator's threads in the bench's own process) and divided by the movements: on 2 "
            "cores every part competes for the same CPU, so these figures bound the rows. " + "; ".join(bounds) + ".",
        ]
    writer = results.get("group_writer") or {}
    if writer:
        alone = "; ".join(
            f"{where}: {row['movements_per_s']:,.0f} movements/s, {row['movements_per_group']:.0f} per group "
            f"transaction, {row['group_ms']:.0f} ms per group, {row['wru_per_movement']:.1f} WRU per movement"
            for where, row in writer.items()
        )
        lines += [
            "",
            f"The group commit's writer alone (one caller committing {next(iter(writer.values()))['movements']} "
            f"queued credits of one account, no client competing for the CPU): {alone}. On this machine the "
            "hot rows are bound by the CPU that every client, the simulator and DynamoDB Local share, and by "
            "DynamoDB Local's transactional writes (about 1 ms per item); on AWS each Lambda has its own CPU and a "
            "group of k movements takes one commit time (about 25 ms), so the account's partition binds first: "
            f"{PARTITION_WCU_PER_SECOND:,} WCU/s over 2 WCU per ledger entry (the group shares one balance update).",
        ]
    verify = results.get("verify")
    if verify:
        lines += [
            "",
            f"`make verify` over everything the rows above wrote (plain DynamoDB Local, no digest; entries from the "
            f"ByTime index in 16 segments, legs by partition, balances by BatchGetItem): "
            f"{verify['entries']:,} ledger entries of {verify['accounts']:,} accounts and {verify['system_legs']:,} "
            f"system legs in {verify['seconds']:.1f} s, **{verify['entries_per_s']:,.0f} entries/s**, "
            f"{verify['findings']} findings.",
        ]
    server = results.get("local_server")
    in_process = next(
        (
            row
            for row in results["throughput"].get("local", [])
            if server and (row["system"], row["scenario"], row["clients"]) == ("service", "spread", server["clients"])
        ),
        None,
    )
    if server and in_process:
        server_errors = ", ".join(f"{name} {count}" for name, count in server["errors"].items()) or "no errors"
        lines += [
            "",
            f"`make run`'s server with {server['clients']} Lambda environments and {server['clients']} keep-alive "
            f"HTTP clients, spread credits: {server['tps']:.0f} tx/s (p50 {server['p50_ms']:.0f} ms, p99 "
            f"{server['p99_ms']:.0f} ms, {server_errors}), {server['tps'] / in_process['tps']:.0%} of the "
            f"handlers in-process with as many environments ({in_process['tps']:.0f} tx/s).",
        ]
    if not results.get("cost"):
        return "\n".join(lines) + "\n"
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
    chain = results.get("chain_cpu")
    if chain:
        lines += [
            "",
            f"The hash chain's CPU ({chain['credits']:,} credits through the transact handler in one process, "
            "rounds alternating the service as it is with the same service building its entries unchained, "
            f"medians): {chain['chained_ms']:.2f} ms per credit chained against {chain['unchained_ms']:.2f} "
            f"unchained, **{chain['overhead_pct']:+.1f}%** (user CPU {chain['chained_user_ms']:.2f} against "
            f"{chain['unchained_user_ms']:.2f}). DynamoDB calls and request units are the same either way (the "
            "head moves in the balance's own update).",
        ]
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


def _simulator_times(results: dict[str, Any]) -> str:
    if "simulator_times" in results:
        return str(results["simulator_times"])
    return f"{results['simulator_latency_ms']:g} ms per call"  # results written before calls were timed by kind


def update_benchmarks_page(table: str) -> None:
    text = BENCHMARKS_PAGE.read_text()
    if FIGURES_START not in text:
        return
    head, rest = text.split(FIGURES_START, 1)
    _, tail = rest.split(FIGURES_END, 1)
    BENCHMARKS_PAGE.write_text(f"{head}{FIGURES_START}\n{table}{FIGURES_END}{tail}")
