"""Sends a wallet request again until it has an answer, with the same idempotency key every time.

Every movement carries a key the caller chose, so sending it again is safe: the wallet moves the money once and
answers a repeat with the first answer (Idempotent-Replayed: true). This helper repeats a request while the wallet
says "not yet": 409 IDEMPOTENCY_KEY_IN_USE (the same key is still in flight), 429 RATE_LIMITED and 503, waiting
what Retry-After says (or backing off when it says nothing), and after a connection error or a timeout, where the
caller cannot know whether the first attempt landed. Any other answer (a 201, a declined debit) is returned as is.

    body = TransactionRequest(idempotent_key="order-42", user_id="alice", type_=TransactionRequestType.CREDIT,
                              amount="10.00")
    response = send_with_retries(lambda: create_transaction.sync_detailed(client=client, body=body))

The lambda builds the same request each time: the body object, and with it the key, does not change.
"""

import json
import random
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

from wallet_client.types import Response

T = TypeVar("T")
RETRYABLE_STATUSES = {429, 503}
IN_FLIGHT = "IDEMPOTENCY_KEY_IN_USE"


class GaveUp(Exception):
    """Every attempt was answered "not yet" or failed in transit; the last response or error is attached."""

    def __init__(self, attempts: int, last: Response | BaseException):
        super().__init__(f"no final answer after {attempts} attempts: {last}")
        self.last = last


def should_retry(response: Response) -> bool:
    """True when the wallet asks to come back later: in flight, rate limited or unavailable."""
    if response.status_code in RETRYABLE_STATUSES:
        return True
    if response.status_code == 409:
        try:
            return json.loads(response.content)["error"]["code"] == IN_FLIGHT
        except (ValueError, KeyError, TypeError):
            return False
    return False


def wait_seconds(response: Response | None, attempt: int, base: float = 0.2, cap: float = 10.0) -> float:
    """Retry-After when the answer has one; otherwise exponential backoff with full jitter."""
    retry_after = response.headers.get("Retry-After") if response is not None else None
    if retry_after is not None:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    return random.uniform(0, min(cap, base * 2**attempt))


def send_with_retries(
    send: Callable[[], Response[T]],
    attempts: int = 6,
    sleep: Callable[[float], None] = time.sleep,
) -> Response[T]:
    """send() until it is answered with something other than "not yet", at most `attempts` times."""
    last: Response | BaseException | None = None
    for attempt in range(attempts):
        try:
            response = send()
        except (httpx.TransportError, httpx.TimeoutException) as error:  # did it land? the same key will tell
            last = error
            if attempt + 1 < attempts:
                sleep(wait_seconds(None, attempt))
            continue
        if not should_retry(response):
            return response
        last = response
        if attempt + 1 < attempts:
            sleep(wait_seconds(response, attempt))
    assert last is not None
    raise GaveUp(attempts, last)
