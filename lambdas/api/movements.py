"""Exactly-once operations over HTTP, shared by transactions, transfers, reversals and holds.

Powertools idempotency is the response cache and in-flight guard (409 while a key is being
processed). The money itself moves exactly once without it: the service writes the key's permanent
record in the same DynamoDB transaction as the balances and ledger entries. Both routes share one key
space (one key_prefix, the whole canonical request validated), so a key used for a credit and then
sent to /transfers is a 422, from the cache or from the ledger.
"""

from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from pydantic import BaseModel

import wallet
from api.errors import json_response, status_and_body
from api.observability import metrics
from api.schemas import HoldResponse, ReversalResponse, TransactionResponse, TransferResponse
from wallet.aws import dynamodb_client
from wallet.errors import InsufficientFunds, InvalidRequest
from wallet.models import HoldResult
from wallet.settings import get_settings

REPLAYED_HEADER = "Idempotent-Replayed"
# How long Powertools replays a cached response; after that the ledger answers for the key.
RESPONSE_CACHE_SECONDS = 3600

idempotency_config = IdempotencyConfig(
    event_key_jmespath="idempotentKey",
    payload_validation_jmespath="@",  # the whole canonical request, defaults applied
    raise_on_no_idempotency_key=True,
    expires_after_seconds=RESPONSE_CACHE_SECONDS,
    response_hook=lambda response, _record: {**response, "replayed": True},
)


def one_key(body_key: str | None, header_key: str | None) -> str:
    if body_key and header_key and body_key != header_key:
        raise InvalidRequest("idempotentKey in the body and the Idempotency-Key header differ.")
    key = body_key or header_key
    if not key:
        raise InvalidRequest("An idempotency key is required: idempotentKey in the body or the Idempotency-Key header.")
    return key


def apply_movement(payload: dict[str, Any]) -> dict[str, Any]:
    """Moves the money; its return value is what Powertools caches for the key."""
    body: BaseModel
    operation = payload["operation"]
    try:
        if operation in ("hold", "capture", "void"):
            held = _hold_operation(payload)
            body = HoldResponse.from_hold(held.hold, held.as_of_ms)
            return {"status": 201 if operation == "hold" else 200, "body": body.model_dump(), "replayed": held.replayed}
        if payload["operation"] == "reversal":
            reversal = wallet.reverse(
                payload["idempotentKey"], payload["transactionId"], payload["amount"], payload["description"]
            )
            body, replayed = ReversalResponse.from_entries(reversal.entries), reversal.replayed
            return {"status": 201, "body": body.model_dump(), "replayed": replayed}
        options = {name: payload[name] for name in ("currency", "description", "metadata")}
        if payload["operation"] == "transfer":
            transfer = wallet.transfer(
                payload["idempotentKey"], payload["fromUserId"], payload["toUserId"], payload["amount"], **options
            )
            body, replayed = TransferResponse.from_entries(transfer.out_entry, transfer.in_entry), transfer.replayed
        else:
            result = wallet.transact(
                payload["idempotentKey"],
                payload["userId"],
                payload["amount"],
                payload["type"],
                counterparty=payload["counterparty"],
                **options,
            )
            body, replayed = TransactionResponse.from_entry(result.entry), result.replayed
    except InsufficientFunds as declined:
        status, error = status_and_body(declined)
        return {"status": status, "body": error, "replayed": declined.replayed}
    return {"status": 201, "body": body.model_dump(), "replayed": replayed}


def _hold_operation(payload: dict[str, Any]) -> HoldResult:
    key, operation = payload["idempotentKey"], payload["operation"]
    if operation == "hold":
        return wallet.place_hold(
            key,
            payload["userId"],
            payload["amount"],
            currency=payload["currency"],
            expires_in_seconds=payload["expiresInSeconds"],
            description=payload["description"],
            metadata=payload["metadata"],
        )
    if operation == "capture":
        return wallet.capture_hold(
            key,
            payload["holdId"],
            payload["amount"],
            counterparty=payload["counterparty"],
            to_user_id=payload["toUserId"],
        )
    return wallet.void_hold(key, payload["holdId"])


@lru_cache(maxsize=1)
def apply_once() -> Any:
    """apply_movement behind Powertools idempotency; built on first use so importing reads no settings."""
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=dynamodb_client())
    return idempotent_function(
        apply_movement,
        data_keyword_argument="payload",
        persistence_store=persistence,
        config=idempotency_config,
        key_prefix="wallet-transact",  # stable across refactors and shared by every movement route
    )


def move_once(payload: dict[str, Any], success_model: type[BaseModel], kind: str) -> Response:
    """Run a validated movement once per key and answer with its first status and body."""
    outcome = apply_once()(payload=payload)
    metrics.add_metric(name=_metric_name(outcome, kind), unit=MetricUnit.Count, value=1)
    headers = {REPLAYED_HEADER: "true"} if outcome["replayed"] else None
    body = outcome["body"]
    if outcome["status"] in (200, 201):  # the cache keeps keys sorted: rebuild so every answer reads alike
        body = success_model.model_validate(body).model_dump()
    return json_response(outcome["status"], body, headers)


def _metric_name(outcome: dict[str, Any], kind: str) -> str:
    if outcome["replayed"]:
        return f"{kind}Replayed"
    return f"{kind}Applied" if outcome["status"] == 201 else f"{kind}Declined"
