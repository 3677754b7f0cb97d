"""Exactly-once operations over HTTP, shared by transactions, transfers, reversals and holds.

Powertools idempotency is the response cache and in-flight guard (409 while a key is being
processed). The money itself moves exactly once without it: the service writes the key's permanent
record in the same DynamoDB transaction as the balances and ledger entries, and the answer Powertools
caches for it travels in that transaction too (ResponseCache). Every movement route shares one key space
(one key_prefix, the whole canonical request validated), so a key used for a credit and then sent to
/transfers is a 422, from the cache or from the ledger.
"""

import json
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import STATUS_CONSTANTS
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from pydantic import BaseModel

import wallet
from api.errors import json_response, status_and_body
from api.movement_schemas import (
    HoldResponse,
    PostingsResponse,
    ReversalResponse,
    TransactionResponse,
    TransferResponse,
)
from api.observability import metrics
from wallet.aws import dynamodb_client
from wallet.errors import InsufficientFunds, InvalidRequest
from wallet.models import HoldResult, PostingsCommand, PostingsResult, ReversalResult, TransferCommand, TransferResult
from wallet.service import AlsoWrite, MovementResult
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
    """Moves the money; its return value is what Powertools caches for the key. When the movement commits,
    that answer is written in the movement's own transaction (see ResponseCache)."""
    operation = payload["operation"]

    def cached_with_the_movement(result: MovementResult) -> dict[str, Any]:
        return response_cache().completed_write(payload, answer(operation, result))

    try:
        result = _execute(payload, cached_with_the_movement)
    except InsufficientFunds as declined:
        status, error = status_and_body(declined)
        return {"status": status, "body": error, "replayed": declined.replayed}
    return answer(operation, result)


def answer(operation: str, result: MovementResult) -> dict[str, Any]:
    """The status and body a movement answers with, and whether it was a replay."""
    body: BaseModel
    status = 201
    if isinstance(result, HoldResult):
        body, status = (
            HoldResponse.from_hold(result.hold, result.as_of_ms, result.entries),
            201 if operation == "hold" else 200,
        )
    elif isinstance(result, ReversalResult):
        body = ReversalResponse.from_entries(result.entries)
    elif isinstance(result, TransferResult):
        body = TransferResponse.from_entries(result.out_entry, result.in_entry)
    elif isinstance(result, PostingsResult):
        body = PostingsResponse.from_result(result)
    else:
        body = TransactionResponse.from_entry(result.entry)
    return {"status": status, "body": body.model_dump(), "replayed": result.replayed}


def _execute(payload: dict[str, Any], also_write: AlsoWrite) -> MovementResult:
    service = wallet.default_service()
    key, operation = payload["idempotentKey"], payload["operation"]
    if operation == "hold":
        hold = service.hold_command(
            key,
            payload["userId"],
            payload["amount"],
            currency=payload["currency"],
            expires_in_seconds=payload["expiresInSeconds"],
            description=payload["description"],
            metadata=payload["metadata"],
        )
        return service.execute_hold(hold, also_write)
    if operation == "capture":
        capture = service.capture_command(
            key,
            payload["holdId"],
            payload["amount"],
            counterparty=payload["counterparty"],
            to_user_id=payload["toUserId"],
        )
        return service.execute_capture(capture, also_write)
    if operation == "void":
        return service.execute_void(service.void_command(key, payload["holdId"]), also_write)
    if operation == "reversal":
        reversal = service.reversal_command(key, payload["transactionId"], payload["amount"], payload["description"])
        return service.execute_reversal(reversal, also_write)
    movement = service.movement_command(payload)
    if isinstance(movement, PostingsCommand):
        return service.execute_postings(movement, also_write)
    if isinstance(movement, TransferCommand):
        return service.execute_transfer(movement, also_write)
    return service.execute_transaction(movement, also_write)


class ResponseCache(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB persistence layer, whose COMPLETED write travels in the movement's own
    transaction: a committed movement and its cached answer are one write (one DynamoDB call fewer, and
    no window in which the money moved while the cache still says in progress). Declines, replays and
    failures take Powertools' own path."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._written_with_movement: dict[str, str] = {}  # hashed key -> the answer's data last built

    def completed_write(self, payload: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
        """The TransactWriteItems action that stores `response` as the key's COMPLETED record, exactly as
        save_success would store it once the function returns it (same key, data, expiry and hash)."""
        key = self._get_hashed_idempotency_key(data=payload)
        assert key is not None  # raise_on_no_idempotency_key: a movement without a key never gets here
        record = DataRecord(
            idempotency_key=key,
            status=STATUS_CONSTANTS["COMPLETED"],
            expiry_timestamp=self._get_expiry_timestamp(),
            response_data=json.dumps(response, cls=Encoder, sort_keys=True),
            payload_hash=self._get_hashed_payload(data=payload),
        )
        self._written_with_movement[record.idempotency_key] = record.response_data
        return {"Update": self.completed_update(record)}

    def completed_update(self, record: DataRecord) -> dict[str, Any]:
        """UpdateItem parameters marking a record COMPLETED, as Powertools 3.37's _update_record builds them
        (a unit test compares the two)."""
        names = {"#response_data": self.data_attr, "#expiry": self.expiry_attr, "#status": self.status_attr}
        values = {
            ":response_data": {"S": record.response_data},
            ":expiry": {"N": str(record.expiry_timestamp)},
            ":status": {"S": record.status},
        }
        update = "SET #response_data = :response_data, #expiry = :expiry, #status = :status"
        if self.payload_validation_enabled:
            update += ", #validation_key = :validation_key"
            names["#validation_key"] = self.validation_key_attr
            values[":validation_key"] = {"S": record.payload_hash}
        return {
            "TableName": self.table_name,
            "Key": self._get_key(record.idempotency_key),
            "UpdateExpression": update,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def _update_record(self, data_record: DataRecord) -> None:
        # The function returned exactly the answer its committed transaction stored: nothing left to write.
        if self._written_with_movement.pop(data_record.idempotency_key, None) == data_record.response_data:
            return
        super()._update_record(data_record)

    def _delete_record(self, data_record: DataRecord) -> None:
        self._written_with_movement.pop(data_record.idempotency_key, None)
        super()._delete_record(data_record)


@lru_cache(maxsize=1)
def response_cache() -> ResponseCache:
    """Built on first use so importing reads no settings."""
    return ResponseCache(table_name=get_settings().idempotency_table, boto3_client=dynamodb_client())


@lru_cache(maxsize=1)
def apply_once() -> Any:
    """apply_movement behind Powertools idempotency."""
    return idempotent_function(
        apply_movement,
        data_keyword_argument="payload",
        persistence_store=response_cache(),
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
