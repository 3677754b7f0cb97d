"""Helpers shared by the test tiers: sample events, handler calls, stored-state reads."""

import copy
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.lambda_context import LocalLambdaContext
from local.runtime import LocalLambda

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text())


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class HttpResult:
    status: int
    headers: dict[str, str]
    body: Any
    raw_body: str


def invoke(handler_module: Any, event: dict[str, Any], timeout_seconds: float = 10.0) -> HttpResult:
    """Calls lambda_handler(event, context) in this process, as Lambda would, and decodes the answer.

    One call at a time: concurrent invocations go through invoke_in (separate processes)."""
    return decode(handler_module.lambda_handler(event, LocalLambdaContext(timeout_seconds=timeout_seconds)))


def invoke_in(environments: LocalLambda, handler_module: Any, event: dict[str, Any]) -> HttpResult:
    """Invokes the handler in one of a pool of execution environments (processes)."""
    return decode(environments.invoke(f"{handler_module.__name__}.lambda_handler", event))


def send_until_final(
    environments: LocalLambda, handler_module: Any, event: dict[str, Any], attempts: int = 100
) -> HttpResult:
    """A client that honours the contract: 409 IDEMPOTENCY_KEY_IN_USE (and 503) mean retry later.

    (Under this much load on two cores a DynamoDB call can time out and botocore retries it; a retried
    Powertools lock write then finds the request's own lock and answers IN_USE until it expires.)"""
    for _ in range(attempts):
        result = invoke_in(environments, handler_module, event)
        in_flight = result.status == 409 and result.body["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE"
        if not (in_flight or result.status == 503):
            return result
        time.sleep(0.2)
    raise AssertionError("no final answer after all attempts")


def run_concurrently(
    environments: LocalLambda, handler_module: Any, events: list[dict[str, Any]], clients: int
) -> list[HttpResult]:
    """Each event sent by one of `clients` concurrent clients until it has a final answer, in order."""
    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(lambda event: send_until_final(environments, handler_module, event), events))


def decode(result: dict[str, Any]) -> HttpResult:
    raw = result.get("body") or ""
    return HttpResult(
        status=result["statusCode"],
        headers={name.lower(): value for name, value in (result.get("headers") or {}).items()},
        body=json.loads(raw) if raw else None,
        raw_body=raw,
    )


def with_body(event_name: str, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A sample event with its body replaced (a dict is JSON-encoded, a str is sent as is)."""
    event = copy.deepcopy(load_event(event_name))
    event["body"] = body if isinstance(body, str) else json.dumps(body)
    event["headers"].update({name.lower(): value for name, value in (headers or {}).items()})
    return event


def transaction_event(
    key: str | None, user_id: str, amount: Any, type: str, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    """POST /transactions; fields adds currency, counterparty, description, metadata."""
    body: dict[str, Any] = {"userId": user_id, "amount": amount, "type": type, **fields}
    if key is not None:
        body["idempotentKey"] = key
    return with_body("transact-credit", body, headers)


def transfer_event(key: str | None, from_user: str, to_user: str, amount: Any, **fields: Any) -> dict[str, Any]:
    """POST /transfers; fields adds currency, description, metadata."""
    body: dict[str, Any] = {"fromUserId": from_user, "toUserId": to_user, "amount": amount, **fields}
    if key is not None:
        body["idempotentKey"] = key
    return with_body("transfer", body)


def reversal_event(transaction_id: str, key: str | None, **body: Any) -> dict[str, Any]:
    """POST /transactions/{transactionId}/reversal; body adds amount, description."""
    event = with_body("reversal-unknown-transaction", {"idempotentKey": key, **body} if key else body)
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/transactions/{transaction_id}/reversal"
    event["pathParameters"] = {"transactionId": transaction_id}
    return event


def place_event(user: str, amount: Any, key: str | None = None, **fields: Any) -> dict[str, Any]:
    """POST /holds; fields adds currency, expiresInSeconds, description, metadata."""
    return with_body("hold-place", {"idempotentKey": key or unique("h"), "userId": user, "amount": amount, **fields})


def hold_event(sample: str, hold_id: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """A sample hold event for another hold; POSTs get `body` (default: a fresh key), GETs none."""
    event = load_event(sample)
    if event["requestContext"]["http"]["method"] == "POST":
        event = with_body(sample, body if body is not None else {"idempotentKey": unique("k")})
    old = event["pathParameters"]["holdId"]
    event["rawPath"] = event["requestContext"]["http"]["path"] = event["rawPath"].replace(old, hold_id)
    event["pathParameters"] = {"holdId": hold_id}
    return event


def system_event(event_name: str, name: str | None = None, query: dict[str, str] | None = None) -> dict[str, Any]:
    """A sample system-account GET, optionally for another account name or query string."""
    event = copy.deepcopy(load_event(event_name))
    if name is not None:
        event["rawPath"] = event["rawPath"].replace("/treasury/", f"/{name}/")
        event["requestContext"]["http"]["path"] = event["rawPath"]
        event["pathParameters"] = {"name": name}
    if query is not None:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{key}={value}" for key, value in query.items())
    return event


def user_event(event_name: str, user_id: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    """A sample GET event for another user (and query string)."""
    event = copy.deepcopy(load_event(event_name))
    old_path = event["rawPath"]
    event["rawPath"] = old_path.replace("/u1/", f"/{user_id}/")
    event["requestContext"]["http"]["path"] = event["rawPath"]
    event["pathParameters"] = {"userId": user_id}
    if query is not None:
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{name}={value}" for name, value in query.items())
    return event
