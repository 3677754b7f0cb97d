"""Cost per request (calls and request units), cold start and package size."""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.meter import CapacityMeter
from bench.report import PRICE_PER_MILLION_RRU, PRICE_PER_MILLION_WRU


def measure_costs() -> list[dict[str, Any]]:
    from handlers import balance, balances, history, holds, postings, reversal, system_accounts, transact, transfer
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

    seller = f"cost-{uuid.uuid4().hex[:8]}"

    def buy() -> int:  # both accounts exist (the debit row's user, a seller written once): no opening leg
        order = [
            {"from": {"userId": user}, "to": {"userId": seller}, "amount": "0.97"},
            {"from": {"userId": user}, "to": {"systemAccount": "revenue"}, "amount": "0.03"},
        ]
        return send(postings, "/postings", {"idempotentKey": str(uuid.uuid4()), "postings": order})

    def open_seller() -> None:
        send(
            transact,
            "/transactions",
            {"idempotentKey": str(uuid.uuid4()), "userId": seller, "amount": "0.01", "type": "credit"},
        )

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
        ("order with a fee (2 postings, existing users)", open_seller, buy, 201),
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


def measure_chain_cpu(rounds: int = 12, credits_per_round: int = 150) -> dict[str, Any]:
    """The hash chain's CPU per movement: credits through the transact handler in this process, in rounds that
    alternate the service as it is with the same service building entries unchained (as before the chain: no
    hash computed, no hash attributes written, no head on the balance). The process's own CPU time is what a
    Lambda is billed for beyond its waits; alternating rounds spreads this machine's drift over both sides."""
    from unittest import mock

    from handlers import transact
    from local.apigw import http_api_event
    from local.lambda_context import LocalLambdaContext

    users = [f"chain-cpu-{uuid.uuid4().hex[:8]}-{number}" for number in range(20)]

    def credit(user: str) -> None:
        body = json.dumps({"idempotentKey": str(uuid.uuid4()), "userId": user, "amount": "0.01", "type": "credit"})
        event = http_api_event("POST", "/transactions", headers={"content-type": "application/json"}, body=body)
        status = int(transact.lambda_handler(event, LocalLambdaContext())["statusCode"])
        if status != 201:
            raise RuntimeError(f"credit answered {status}")

    def cpu_ms_per_credit(accounts: list[str]) -> tuple[float, float]:
        """(user, system) CPU ms per credit: system time is mostly the socket's (the request's bytes)."""
        began = os.times()
        for number in range(credits_per_round):
            credit(accounts[number % len(accounts)])
        ended = os.times()
        return (
            (ended.user - began.user) * 1000 / credits_per_round,
            (ended.system - began.system) * 1000 / credits_per_round,
        )

    def unchained() -> Any:
        return mock.patch.multiple(
            "wallet.service.commit", chained=lambda entry, previous: entry, previous_hash=lambda account, scale: ""
        )

    unchained_users = [f"{user}-unchained" for user in users]  # accounts that never had a chain
    for user in users:  # each user's first movement (its opening) outside the rounds
        credit(user)
    with unchained():
        for user in unchained_users:
            credit(user)

    def unchained_round() -> tuple[float, float]:
        with unchained():
            return cpu_ms_per_credit(unchained_users)

    cpu_ms_per_credit(users), unchained_round()  # warm-up, not counted
    chained_ms: list[tuple[float, float]] = []
    unchained_ms: list[tuple[float, float]] = []
    for round_number in range(rounds):  # ABBA: neither side always runs first
        if round_number % 2:
            unchained_ms.append(unchained_round())
            chained_ms.append(cpu_ms_per_credit(users))
        else:
            chained_ms.append(cpu_ms_per_credit(users))
            unchained_ms.append(unchained_round())
    row: dict[str, Any] = {"credits": rounds * credits_per_round * 2}
    for side, samples in (("chained", chained_ms), ("unchained", unchained_ms)):
        row[f"{side}_user_ms"] = statistics.median(user for user, _ in samples)
        row[f"{side}_system_ms"] = statistics.median(system for _, system in samples)
        row[f"{side}_ms"] = statistics.median(user + system for user, system in samples)
    row["overhead_pct"] = (row["chained_ms"] / row["unchained_ms"] - 1) * 100
    row["user_overhead_pct"] = (row["chained_user_ms"] / row["unchained_user_ms"] - 1) * 100
    print(
        f"chain CPU: {row['chained_ms']:.2f} ms per credit chained, {row['unchained_ms']:.2f} unchained "
        f"({row['overhead_pct']:+.1f}%; user CPU {row['chained_user_ms']:.2f} against "
        f"{row['unchained_user_ms']:.2f}, {row['user_overhead_pct']:+.1f}%)",
        flush=True,
    )
    return row


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
