"""What the benchmark's clients send: the scenarios, the bare baseline transaction, the service's
handlers, and the users seeded before anything is timed."""

import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from typing import Any

from bench.meter import CapacityMeter

TABLE = "Wallet"
USERS = 1000
SELLERS = 100
HOT_USER, HOT_MIXED_USER, HOT_SELLER = "bench-hot", "bench-hot-mixed", "bench-seller-hot"
# The dilated mode's factor and shared epoch, passed to the worker processes in their environment.
DILATION_FACTOR, DILATION_EPOCH = "BENCH_DILATION", "BENCH_DILATION_EPOCH"
SCENARIOS = {
    "spread": "credits spread over 1,000 existing users",
    "topup": "first-time top-ups of new users",
    "transfer": "transfers between random pairs of 1,000 users",
    "order": "orders with a fee (buyer pays a seller 9.70 and revenue 0.30), 1,000 buyers, 100 sellers",
    "hot-credit": "one hot user taking credits",
    "hot-mixed": "one hot user taking debits and credits",
    "hot-order": "orders with a fee from 1,000 buyers to one hot seller",
}
# DynamoDB's own limits (developer guide): an on-demand table's default quota is 40,000 WRU/s; one

# ---------------------------------------------------------------- load generation (worker processes)

_worker: dict[str, Any] = {}


def _init_worker(environment: dict[str, str]) -> None:
    os.environ.update(environment)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - Lambda ships stdout (EMF metrics) to CloudWatch; here, nowhere
    from handlers import postings, transact, transfer
    from local.apigw import http_api_event
    from local.lambda_context import LocalLambdaContext
    from wallet.aws import dynamodb_client
    from wallet.service import RetryPolicy

    client = dynamodb_client()
    dilation = None
    if float(environment.get(DILATION_FACTOR, "1")) > 1:  # the dilated mode (bench/dilation.py)
        from bench.dilation import Dilation

        dilation = Dilation(float(environment[DILATION_FACTOR]), float(environment[DILATION_EPOCH]))
        dilation.install(client)
    _worker.update(
        transact=transact.lambda_handler,
        transfer=transfer.lambda_handler,
        postings=postings.lambda_handler,
        event=http_api_event,
        context=LocalLambdaContext,
        client=client,
        meter=CapacityMeter(client),
        retry=RetryPolicy(),
        dilation=dilation,
        sleep=dilation.sleep if dilation else time.sleep,
        monotonic=dilation.monotonic if dilation else time.monotonic,
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
    client, policy, sleep, monotonic = (_worker[name] for name in ("client", "retry", "sleep", "monotonic"))
    deadline, attempt = monotonic() + policy.max_seconds, 0
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
        if monotonic() + delay > deadline:
            return "gave up"
        sleep(delay)


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
    if scenario in ("order", "hot-order"):
        buyer = f"bench-{rng.randrange(USERS)}"
        seller = HOT_SELLER if scenario == "hot-order" else f"bench-seller-{rng.randrange(SELLERS)}"
        if system == "baseline":  # the fee's leg as a write of its own, as the service's is
            return _bare_transaction([(buyer, -1000), (seller, 970), (f"fee-{uuid.uuid4()}", 30)])
        order = [
            {"from": {"userId": buyer}, "to": {"userId": seller}, "amount": "9.70"},
            {"from": {"userId": buyer}, "to": {"systemAccount": "revenue"}, "amount": "0.30"},
        ]
        return _service_call("postings", "/postings", {"idempotentKey": str(uuid.uuid4()), "postings": order})
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
    dilation = _worker["dilation"]
    time.sleep(max(0.0, start_at - time.time()))
    meter.reset()
    if dilation:
        dilation.begin()
    cpu_began = time.process_time()
    deadline = start_at + duration
    committed_in_time = 0  # committed movements that finished before the deadline: the row's rate
    while time.time() < deadline:
        began = time.perf_counter()
        try:
            outcome = _movement(system, scenario, rng)
        except Exception as error:  # a client-visible failure is a result to report, not a crash
            outcome = type(error).__name__
        outcomes[outcome] += 1
        if dilation:
            dilation.stretch_cpu()  # the CPU spent since the movement's last call, k times
        latencies.append(time.perf_counter() - began)
        committed_in_time += outcome == "ok" and time.time() <= deadline
    return {
        "committed_in_time": committed_in_time,
        "finished_at": time.time(),
        "cpu_s": time.process_time() - cpu_began,
        "latencies": latencies,
        "outcomes": dict(outcomes),
        "calls": sum(meter.calls.values()),
        "by_operation": dict(meter.calls),
        "failed_by_operation": dict(meter.failed),
        "wru": meter.priced_wru,
        "rru": meter.priced_rru,
        "committed_transaction_items": meter.committed_transaction_items,
    }


def seed_users() -> None:
    """The spread, transfer and order scenarios' 1,000 users and 100 sellers exist (each written once)
    before anything is timed; each user holds enough for every order the runs send (10.00 each)."""
    from concurrent.futures import ThreadPoolExecutor

    import wallet

    def seed(number: int) -> None:
        wallet.transact(f"seed-{number}", f"bench-{number}", "10000.00", "credit")

    def seed_seller(number: int) -> None:
        wallet.transact(f"seed-seller-{number}", f"bench-seller-{number}", "0.01", "credit")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(seed, range(USERS)))
        list(pool.map(seed_seller, range(SELLERS)))
    wallet.transact("seed-hot-seller", HOT_SELLER, "0.01", "credit")
    wallet.transact("seed-hot-mixed", HOT_MIXED_USER, "1000.00", "credit")
