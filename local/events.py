"""The event consumer on DynamoDB Local's stream, as Lambda's event source mapping runs it on AWS.

It reads each shard of the Wallet table's stream in order, hands batches (in Lambda's event shape) to
the same `process_batch` the Lambda runs, and moves its checkpoint only past records the batch handled:
on a reported failure it re-reads from the failed record, so a crash or a failing publisher delays
events and may repeat some (same eventId), but never skips one. `make run` runs it with a JSON-lines
publisher (and a webhook when EVENTS_WEBHOOK_URL is set).
"""

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from handlers.stream_events import process_batch
from wallet.event_bus import EventPublisher

BATCH_SIZE = 100  # the stack's event source mapping uses the same
_STALE_ITERATOR = ("TrimmedDataAccessException", "ExpiredIteratorException")


class StreamConsumer:
    def __init__(
        self,
        dynamodb: Any,
        table_name: str,
        publisher: EventPublisher,
        checkpoint_path: Path | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._dynamodb = dynamodb
        self._streams = boto3.session.Session().client(
            "dynamodbstreams",
            endpoint_url=dynamodb.meta.endpoint_url,
            region_name=dynamodb.meta.region_name,
        )
        self._table_name = table_name
        self._publisher = publisher
        self._checkpoint_path = checkpoint_path
        self._batch_size = batch_size
        self._checkpoints: dict[str, str] = self._load_checkpoints()  # "<streamArn>|<shardId>" -> last handled
        self._iterators: dict[str, str | None] = {}  # None: the shard is closed and fully read

    def poll_once(self) -> int:
        """Deliver every record available now; returns how many records the handler took."""
        stream_arn = self._dynamodb.describe_table(TableName=self._table_name)["Table"].get("LatestStreamArn")
        if not stream_arn:
            return 0
        delivered = 0
        for shard in self._shards(stream_arn):
            delivered += self._drain(stream_arn, shard["ShardId"])
        return delivered

    def run(self, stop: threading.Event, interval_seconds: float = 0.5) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # a local consumer keeps polling, as Lambda does
                print(f"event consumer: {error}", flush=True)
            stop.wait(interval_seconds)

    def _shards(self, stream_arn: str) -> list[dict[str, Any]]:
        shards, start = [], None
        while True:
            kwargs = {"StreamArn": stream_arn, **({"ExclusiveStartShardId": start} if start else {})}
            description = self._streams.describe_stream(**kwargs)["StreamDescription"]
            shards += description["Shards"]
            start = description.get("LastEvaluatedShardId")
            if not start:
                return shards  # parents are listed before their children

    def _drain(self, stream_arn: str, shard_id: str) -> int:
        name = f"{stream_arn}|{shard_id}"
        delivered = 0
        while True:
            if name not in self._iterators:
                self._iterators[name] = self._iterator(stream_arn, shard_id, self._checkpoints.get(name))
            iterator = self._iterators[name]
            if iterator is None:
                return delivered
            try:
                answer = self._streams.get_records(ShardIterator=iterator, Limit=self._batch_size)
            except ClientError as error:
                # DynamoDB Local invalidates an iterator taken on an empty shard once records arrive; an
                # expired one is normal. Either way: a new iterator from the checkpoint, on the next poll.
                if error.response["Error"]["Code"] not in _STALE_ITERATOR:
                    raise
                del self._iterators[name]
                return delivered
            records = answer["Records"]
            if not records:
                self._iterators[name] = answer.get("NextShardIterator")
                return delivered
            response = process_batch(self._lambda_event(stream_arn, records), self._publisher)
            failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
            handled = []
            for record in records:
                if record["dynamodb"]["SequenceNumber"] in failed:
                    break
                handled.append(record)
            delivered += len(handled)
            if handled:
                self._checkpoints[name] = handled[-1]["dynamodb"]["SequenceNumber"]
                self._save_checkpoints()
            if failed:  # as Lambda does: the next poll starts again from the failed record
                del self._iterators[name]
                return delivered
            self._iterators[name] = answer.get("NextShardIterator")

    def _iterator(self, stream_arn: str, shard_id: str, after: str | None) -> str | None:
        position = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
            if after
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        answer = self._streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard_id, **position)
        return answer.get("ShardIterator")

    def _lambda_event(self, stream_arn: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        """GetRecords' records in the shape Lambda's event source mapping delivers them."""
        shaped = []
        for record in records:
            change = dict(record["dynamodb"])
            created = change.get("ApproximateCreationDateTime")
            if isinstance(created, datetime):
                change["ApproximateCreationDateTime"] = created.timestamp()
            shaped.append({**record, "dynamodb": change, "eventSourceARN": stream_arn})
        return {"Records": shaped}

    def _load_checkpoints(self) -> dict[str, str]:
        if self._checkpoint_path and self._checkpoint_path.exists():
            return dict(json.loads(self._checkpoint_path.read_text()))
        return {}

    def _save_checkpoints(self) -> None:
        if self._checkpoint_path:
            temporary = self._checkpoint_path.with_suffix(".tmp")
            temporary.write_text(json.dumps(self._checkpoints))
            temporary.replace(self._checkpoint_path)  # atomic: a crash keeps the old checkpoint or the new one
