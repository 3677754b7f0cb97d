"""The Wallet table's stream → one event per committed movement on the wallet's EventBridge bus.

Records are published one at a time in stream order. After the first failure the rest of the batch
is reported failed without being published, so Lambda retries from the failed record and a shard's
events never leave out of order (each leg carries its account's sequence for ordering across shards);
an event whose publish failed after EventBridge took it may go out again with the same eventId, which
consumers drop.
"""

import os
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.observability import logger, metrics, tracer
from handlers import imports_done
from wallet.event_bus import EventBridgePublisher, EventPublisher
from wallet.events import movement_event


class EarlierRecordFailed(Exception):
    """Not published: an earlier record of this batch failed, and order comes first."""


def process_batch(event: dict[str, Any], publisher: EventPublisher, context: Any = None) -> dict[str, Any]:
    """Publish the batch's movements; answer Lambda's partial batch response (failed sequence numbers)."""
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    failed = False

    def publish(record: DynamoDBRecord) -> None:
        nonlocal failed
        if failed:
            raise EarlierRecordFailed(record.dynamodb.sequence_number if record.dynamodb else None)
        try:
            movement = movement_event(record.raw_event)
            if movement is None:
                return
            publisher.publish(movement)
        except Exception:
            failed = True
            raise
        logger.info("published", extra={"eventId": movement.event_id, "detailType": movement.detail_type})
        metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=1)

    return dict(process_partial_response(event=event, record_handler=publish, processor=processor, context=context))


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_batch(event, EventBridgePublisher(os.environ["WALLET_EVENT_BUS_NAME"]), context)


imports_done()
