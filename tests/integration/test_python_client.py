"""The generated client (clients/python) and its retrying helper against `make run`'s server.

The server runs as `make run` runs it, with a per-user limit of one debit in five seconds:
a second debit sent at once is a 429.
"""

import json
import time

import httpx
import pytest
from wallet_client import Client
from wallet_client.api.balances import get_balance
from wallet_client.api.movements import create_transaction, create_transfer
from wallet_client.models import TransactionRequest, TransactionRequestType, TransferRequest
from wallet_retry import send_with_retries

from local.contract import local_server
from local.python_client import TARGET, differences, generate
from tests.support import unique


def test_the_committed_client_is_what_the_document_generates(tmp_path):
    assert differences(generate(tmp_path), TARGET) == [], "run `make client` and commit clients/python"


@pytest.fixture(scope="module")
def client(dynamodb_local):
    settings = {"WALLET_USER_RATE_LIMIT": "0.2", "WALLET_USER_RATE_BURST": "1"}
    with local_server(dynamodb_local.endpoint, settings) as url, Client(base_url=url, timeout=httpx.Timeout(30)) as c:
        yield c


def _credit(user: str, amount: str, key: str) -> TransactionRequest:
    return TransactionRequest(idempotent_key=key, user_id=user, type_=TransactionRequestType.CREDIT, amount=amount)


def test_a_credit_and_its_replay(client):
    user, key = unique("client-user"), unique("client-key")
    first = send_with_retries(lambda: create_transaction.sync_detailed(client=client, body=_credit(user, "5.25", key)))
    again = send_with_retries(lambda: create_transaction.sync_detailed(client=client, body=_credit(user, "5.25", key)))

    assert first.status_code == 201 and first.parsed.balance == "105.25", first.content
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    balance = get_balance.sync(client=client, user_id=user)
    assert balance.balance == "105.25"


def test_a_declined_debit_is_an_error_answer_not_a_retry(client):
    user = unique("client-user")
    body = TransactionRequest(
        idempotent_key=unique("client-key"), user_id=user, type_=TransactionRequestType.DEBIT, amount="100.01"
    )
    sent: list[int] = []

    def send():
        sent.append(1)
        return create_transaction.sync_detailed(client=client, body=body)

    declined = send_with_retries(send)

    assert declined.status_code == 409 and declined.parsed.error.code == "INSUFFICIENT_FUNDS"
    assert len(sent) == 1
    assert get_balance.sync(client=client, user_id=user).balance == "100.00"


def test_a_rate_limited_debit_waits_as_retry_after_says_then_lands_once(client):
    user = unique("client-user")
    waits: list[float] = []

    def debit(key: str):
        body = TransactionRequest(idempotent_key=key, user_id=user, type_=TransactionRequestType.DEBIT, amount="1.00")
        return send_with_retries(
            lambda: create_transaction.sync_detailed(client=client, body=body),
            sleep=lambda seconds: (waits.append(seconds), time.sleep(seconds)),
        )

    first = debit(unique("client-key"))
    second = debit(unique("client-key"))  # within five seconds: 429, then the helper waits and resends

    assert first.status_code == 201 and second.status_code == 201, second.content
    assert waits and waits[0] >= 1, waits  # the 429's Retry-After (whole seconds)
    assert json.loads(second.content)["balance"] == "98.00"
    assert get_balance.sync(client=client, user_id=user).balance == "98.00"


def test_a_transfer(client):
    payer, payee = unique("client-payer"), unique("client-payee")
    body = TransferRequest(idempotent_key=unique("client-key"), from_user_id=payer, to_user_id=payee, amount="30.00")

    moved = send_with_retries(lambda: create_transfer.sync_detailed(client=client, body=body))

    assert moved.status_code == 201, moved.content
    assert get_balance.sync(client=client, user_id=payer).balance == "70.00"
    assert get_balance.sync(client=client, user_id=payee).balance == "130.00"
