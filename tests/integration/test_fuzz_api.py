"""API fuzzing: Schemathesis generates requests from docs/openapi.json and sends them to the local server.

Valid and invalid requests alike: no 5xx, every 4xx carries the error body, and a rejected request
leaves the user and key it names untouched.
"""

import json
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.support import unique

SCHEMA = schemathesis.openapi.from_path(Path(__file__).resolve().parents[2] / "docs" / "openapi.json")
# (path, method, generated requests per mode): the money-moving routes get the most.
OPERATIONS = [
    ("/transactions", "POST", 400),
    ("/transfers", "POST", 300),
    ("/postings", "POST", 150),
    ("/transactions/{transactionId}", "GET", 40),
    ("/transactions/{transactionId}/reversal", "POST", 60),
    ("/holds", "POST", 150),
    ("/holds/{holdId}/capture", "POST", 50),
    ("/holds/{holdId}/void", "POST", 50),
    ("/holds/{holdId}", "GET", 40),
    ("/users/{userId}/holds", "GET", 60),
    ("/users/{userId}/balance", "GET", 200),
    ("/users/{userId}/balances", "GET", 100),
    ("/users/{userId}/transactions", "GET", 200),
    ("/system-accounts/{name}/balance", "GET", 60),
]
# Routes whose valid requests are few: three system accounts times (four assets or none) for this one.
FINITE_VALID_SPACE = {"/system-accounts/{name}/balance": 12}
HEALTH_CHECKS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much]
SEEN: dict[str, int] = {}


def _named(body: object) -> tuple[list[str], str | None]:
    """The users a request body names and its key."""
    if not isinstance(body, dict):
        return [], None
    users = [body.get(field) for field in ("userId", "fromUserId", "toUserId")]
    postings = body.get("postings")
    for posting in postings if isinstance(postings, list) else []:
        for side in (posting.get("from"), posting.get("to")) if isinstance(posting, dict) else ():
            users.append(side.get("userId") if isinstance(side, dict) else None)
    key = body.get("idempotentKey")
    return [user for user in users if isinstance(user, str)], (key if isinstance(key, str) else None)


def _state(store, users: list[str], key: str | None) -> tuple[object, object]:
    user_items = [store.user_items(user) if "#" not in user else None for user in users]
    key_item = store.key_record(key) if key else None
    return user_items, key_item


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("path", "method", "examples"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_generated_requests_never_get_a_5xx(api_server, store, path, method, examples, mode):
    operation = SCHEMA[path][method]
    session = requests.Session()
    counter = f"{method} {path} {mode.value}"

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=HEALTH_CHECKS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        SEEN[counter] = SEEN.get(counter, 0) + 1
        fresh = unique("fz")  # keys must be new to each case, or a replay would mask what it does
        if isinstance(case.body, dict) and isinstance(case.body.get("idempotentKey"), str):
            case.body["idempotentKey"] = fresh + case.body["idempotentKey"][:200]
        if isinstance((case.headers or {}).get("idempotency-key"), str):
            case.headers["idempotency-key"] = fresh + case.headers["idempotency-key"][:200]
        path_user = (case.path_parameters or {}).get("userId")
        users, key = (
            _named(case.body) if method == "POST" else ([path_user] if isinstance(path_user, str) else [], None)
        )
        key = key or (case.headers or {}).get("idempotency-key")
        before = _state(store, users, key)

        response = case.call(base_url=api_server, session=session)

        assert response.status_code < 500, (response.status_code, response.text, case.body)
        if response.status_code >= 400:
            body = response.json()
            assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"], body
            after = _state(store, users, key)
            if body["error"]["code"] == "INSUFFICIENT_FUNDS":  # the decline is recorded; no money moves
                assert after[0] == before[0] and after[1]["outcome"]["S"] == "DECLINED"
            else:
                assert after == before, "a rejected request changed stored state"
        elif method == "GET":
            assert _state(store, users, key) == before, "a read wrote something"
        else:
            assert response.status_code in (200, 201), response.text
            answer = json.loads(response.text)
            assert answer.get("idempotentKey", key) == key and ("idempotentKey" in answer or "holdId" in answer)

    run()
    floor = FINITE_VALID_SPACE.get(path, 50) if mode is GenerationMode.POSITIVE else 50
    assert SEEN[counter] >= min(floor, examples), f"only {SEEN[counter]} cases generated for {counter}"
    print(f"\n{counter}: {SEEN[counter]} generated requests")
