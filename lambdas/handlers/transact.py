"""POST /transactions: credit or debit once per idempotency key.

Powertools idempotency is the response cache and in-flight guard (409 while a key is being
processed). The money itself moves exactly once without it: wallet.transact writes the key's
permanent record in the same DynamoDB transaction as the balance and the ledger entry.
"""

from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

import wallet
from api.auth import require_access
from api.errors import json_response, status_and_body
from api.observability import logger, metrics, tracer
from api.resolver import build_resolver
from api.routes import TRANSACT
from api.schemas import TransactionRequest, TransactionResponse, error_responses
from wallet.aws import dynamodb_client
from wallet.errors import InsufficientFunds, InvalidRequest, UnsupportedMediaType
from wallet.money import format_money
from wallet.settings import get_settings
from wallet.validation import IDEMPOTENT_KEY_PATTERN

REPLAYED_HEADER = "Idempotent-Replayed"
# How long Powertools replays a cached response; after that the ledger answers for the key.
RESPONSE_CACHE_SECONDS = 3600

idempotency_config = IdempotencyConfig(
    event_key_jmespath="idempotentKey",
    payload_validation_jmespath="[userId, type, amount]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=RESPONSE_CACHE_SECONDS,
    response_hook=lambda response, _record: {**response, "replayed": True},
)

router = APIGatewayHttpRouter()


@router.route(
    TRANSACT.resolver_path,
    method=TRANSACT.method,
    summary="Credit or debit a balance, exactly once per idempotency key",
    responses={
        201: {
            "description": "Applied, or replayed with header Idempotent-Replayed: true",
            "content": {"application/json": {"model": TransactionResponse}},
        },
        **error_responses(400, 403, 409, 413, 415, 422, 503),
    },
)
# No return annotation: Powertools would validate every answer against one model, and this route
# answers 201 or 409; the responses above document both.
def create_transaction(
    request: Annotated[TransactionRequest, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=IDEMPOTENT_KEY_PATTERN)] = None,
):
    content_type = router.current_event.headers.get("content-type", "application/json")
    if not content_type.startswith("application/json"):
        raise UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).")
    require_access(router.current_event, request.userId)
    key = _one_key(request.idempotentKey, idempotency_key)
    outcome = transact_once()(
        movement={
            "idempotentKey": key,
            "userId": request.userId,
            "type": request.type,
            "amount": format_money(request.amount),
        }
    )
    metrics.add_metric(name=_metric_name(outcome), unit=MetricUnit.Count, value=1)
    headers = {REPLAYED_HEADER: "true"} if outcome["replayed"] else None
    body = outcome["body"]
    if outcome["status"] == 201:  # the cache keeps keys sorted: rebuild so first and replayed bodies match
        body = TransactionResponse.model_validate(body).model_dump()
    return json_response(outcome["status"], body, headers)


def apply_movement(movement: dict[str, str]) -> dict[str, Any]:
    """Moves the money; its return value is what Powertools caches for the key."""
    try:
        result = wallet.transact(movement["idempotentKey"], movement["userId"], movement["amount"], movement["type"])
    except InsufficientFunds as declined:
        status, body = status_and_body(declined)
        return {"status": status, "body": body, "replayed": declined.replayed}
    body = TransactionResponse.from_entry(result.entry).model_dump()
    return {"status": 201, "body": body, "replayed": result.replayed}


@lru_cache(maxsize=1)
def transact_once() -> Any:
    """apply_movement behind Powertools idempotency; built on first use so importing reads no settings."""
    persistence = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table, boto3_client=dynamodb_client())
    return idempotent_function(
        apply_movement,
        data_keyword_argument="movement",
        persistence_store=persistence,
        config=idempotency_config,
        key_prefix="wallet-transact",  # stable across refactors: the default embeds module and function names
    )


def _one_key(body_key: str | None, header_key: str | None) -> str:
    if body_key and header_key and body_key != header_key:
        raise InvalidRequest("idempotentKey in the body and the Idempotency-Key header differ.")
    key = body_key or header_key
    if not key:
        raise InvalidRequest("An idempotency key is required: idempotentKey in the body or the Idempotency-Key header.")
    return key


def _metric_name(outcome: dict[str, Any]) -> str:
    if outcome["replayed"]:
        return "TransactionsReplayed"
    return "TransactionsApplied" if outcome["status"] == 201 else "DebitsDeclined"


app = build_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    idempotency_config.register_lambda_context(context)  # before the idempotent call, every invocation
    return app.resolve(event, context)
