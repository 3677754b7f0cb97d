"""wallet_retry (clients/python): which answers it repeats, how long it waits, when it gives up."""

import json
from http import HTTPStatus

import httpx
import pytest
from wallet_client.types import Response
from wallet_retry import GaveUp, send_with_retries


def answer(status: int, code: str | None = None, retry_after: str | None = None) -> Response:
    body = json.dumps({"error": {"code": code, "message": "m"}} if code else {"ok": True}).encode()
    headers = httpx.Headers({"Retry-After": retry_after} if retry_after else {})
    return Response(status_code=HTTPStatus(status), content=body, headers=headers, parsed=None)


def scripted(*outcomes):
    """send() that answers (or raises) each outcome in turn, counting its calls."""
    calls = []

    def send():
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return send, calls


def test_in_flight_rate_limited_and_unavailable_are_repeated_as_retry_after_says():
    send, calls = scripted(
        answer(409, "IDEMPOTENCY_KEY_IN_USE", "1"), answer(429, "RATE_LIMITED", "3"), answer(503, "X"), answer(201)
    )
    waits: list[float] = []

    final = send_with_retries(send, sleep=waits.append)

    assert final.status_code == 201 and len(calls) == 4
    assert waits[:2] == [1.0, 3.0] and 0 <= waits[2] <= 0.8  # no Retry-After on the 503: jittered backoff


def test_a_connection_error_is_repeated_because_the_key_makes_it_safe():
    send, calls = scripted(httpx.ConnectError("reset"), httpx.ReadTimeout("slow"), answer(201))

    assert send_with_retries(send, sleep=lambda _: None).status_code == 201 and len(calls) == 3


@pytest.mark.parametrize(
    "final", [answer(409, "INSUFFICIENT_FUNDS"), answer(409, "IDEMPOTENCY_KEY_REUSED"), answer(400, "VALIDATION_ERROR")]
)
def test_a_final_answer_is_returned_at_once(final):
    send, calls = scripted(final)

    assert send_with_retries(send, sleep=lambda _: pytest.fail("waited")) is final and len(calls) == 1


def test_it_gives_up_after_the_attempts_with_the_last_answer():
    send, calls = scripted(*[answer(503, "SERVICE_UNAVAILABLE", "1")] * 3)

    with pytest.raises(GaveUp) as gave_up:
        send_with_retries(send, attempts=3, sleep=lambda _: None)

    assert len(calls) == 3 and gave_up.value.last.status_code == 503
