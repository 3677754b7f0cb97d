"""Faults injected at the boundary to DynamoDB with botocore's before-send hook.

A hook can answer in DynamoDB's place (throttling, cancelled transactions) or forward the request
for real and then drop the response, as a network failure after the commit would.
"""

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError


class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def dynamodb_error(request: Any, status: int, error_type: str, **fields: Any) -> AWSResponse:
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{error_type}", "message": "injected", **fields})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
    return AWSResponse(request.url, status, headers, _Body(body.encode()))


def send_for_real(request: Any) -> bytes:
    headers = {name: value for name, value in request.headers.items() if name.lower() != "content-length"}
    forwarded = urllib.request.Request(request.url, data=request.body, headers=headers, method=request.method)
    try:
        with urllib.request.urlopen(forwarded, timeout=10) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        return error.read()


class Fault:
    """Counts the calls it saw and how many it sabotaged."""

    def __init__(self, times: int | None):
        self.remaining = times
        self.seen = 0
        self.injected = 0

    def take(self) -> bool:
        self.seen += 1
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.injected += 1
        return True


@contextmanager
def inject(client: Any, operation: str, respond: Any, times: int | None = None) -> Iterator[Fault]:
    """While active, the first `times` calls of `operation` (all if None) get respond(request)."""
    fault = Fault(times)

    def hook(request: Any, **_: Any) -> Any:
        return respond(request) if fault.take() else None

    event = f"before-send.dynamodb.{operation}"
    client.meta.events.register_first(event, hook, unique_id=f"fault-{id(fault)}")
    try:
        yield fault
    finally:
        client.meta.events.unregister(event, unique_id=f"fault-{id(fault)}")


class LambdaKilled(BaseException):
    """Lambda stopping the process (timeout): no except-Exception handler runs, nothing is cleaned up."""


def killed_before_the_write(request: Any) -> Any:
    raise LambdaKilled()


def killed_after_commit(request: Any) -> Any:
    send_for_real(request)
    raise LambdaKilled()


def lose_response_after_commit(request: Any) -> Any:
    send_for_real(request)  # DynamoDB applies it...
    raise ConnectionClosedError(endpoint_url=request.url)  # ...and the caller never hears back


def cancelled_by_conflict(request: Any) -> AWSResponse:
    reasons = [{"Code": "None"}, {"Code": "TransactionConflict", "Message": "Transaction is ongoing"}, {"Code": "None"}]
    return dynamodb_error(request, 400, "TransactionCanceledException", CancellationReasons=reasons)


def throttled(request: Any) -> AWSResponse:
    return dynamodb_error(request, 400, "ThrottlingException")


def internal_error(request: Any) -> AWSResponse:
    return dynamodb_error(request, 500, "InternalServerError")
