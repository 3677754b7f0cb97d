"""The response cache's COMPLETED write that travels in the movement's transaction is the one Powertools
would have made, and Powertools makes its own only when the movement did not commit that answer."""

import json

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency.persistence.base import STATUS_CONSTANTS
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.idempotency.persistence.dynamodb import DynamoDBPersistenceLayer

from api.movements import ResponseCache, idempotency_config

PAYLOAD = {"operation": "transaction", "idempotentKey": "k1", "userId": "u", "amount": "1.00"}
ANSWER = {"status": 201, "body": {"balance": "101.00"}, "replayed": False}


class Recorder:
    def __init__(self) -> None:
        self.updates: list[dict] = []

    def __call__(self, **params) -> dict:
        self.updates.append(params)
        return {}


@pytest.fixture
def cache():
    client = boto3.session.Session().client(
        "dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    cache = ResponseCache(table_name="Idem", boto3_client=client)
    cache.configure(idempotency_config, function_name="apply_movement", key_prefix="wallet-transact")
    cache.client.update_item = Recorder()
    return cache


def test_the_completed_write_is_the_update_powertools_makes(cache):
    write = cache.completed_write(PAYLOAD, ANSWER)["Update"]
    record = DataRecord(
        idempotency_key=cache._get_hashed_idempotency_key(data=PAYLOAD),
        status=STATUS_CONSTANTS["COMPLETED"],
        expiry_timestamp=json.loads(write["ExpressionAttributeValues"][":expiry"]["N"]),
        response_data=json.dumps(ANSWER, sort_keys=True),
        payload_hash=cache._get_hashed_payload(data=PAYLOAD),
    )
    DynamoDBPersistenceLayer._update_record(cache, record)  # Powertools' own, on the recording client

    assert cache.client.update_item.updates == [write]
    assert write["Key"] == {"id": {"S": record.idempotency_key}}
    assert write["ExpressionAttributeValues"][":validation_key"]["S"] == record.payload_hash


def test_powertools_skips_its_write_only_for_the_answer_the_transaction_stored(cache):
    cache.completed_write(PAYLOAD, ANSWER)
    cache.save_success(PAYLOAD, ANSWER)  # what Powertools does once the function returned that answer
    assert cache.client.update_item.updates == []

    declined = {"status": 409, "body": {"error": {"code": "INSUFFICIENT_FUNDS"}}, "replayed": False}
    cache.completed_write(PAYLOAD, ANSWER)  # an attempt built this, then the movement was declined instead
    cache.save_success(PAYLOAD, declined)
    cache.save_success(PAYLOAD, ANSWER)  # nothing remembered any more: Powertools writes for itself
    assert [
        json.loads(u["ExpressionAttributeValues"][":response_data"]["S"]) for u in cache.client.update_item.updates
    ] == [
        declined,
        ANSWER,
    ]
