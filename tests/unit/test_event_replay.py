"""Dead-lettered stream batches: which messages are replayed, over which window, and when they leave the queue."""

import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from local.republish import republish_dead_letters
from wallet.event_bus import PublishFailed
from wallet.event_replay import DEAD_LETTER_MARGIN, dead_letter_window

STREAM_BATCH = {  # what Lambda sends to an event source mapping's on-failure queue
    "requestContext": {
        "requestId": "5b6e8c1a-1f0e-4b0e-9a53-3c1f2d4e5f60",
        "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:WalletStack-StreamEvents",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 11,
    },
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2026-11-30T03:10:26.479Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001796000000000-0a1b2c3d",
        "startSequenceNumber": "500000000012345678901",
        "endSequenceNumber": "500000000012345678977",
        "approximateArrivalOfFirstRecord": "2026-11-30T03:02:49Z",
        "approximateArrivalOfLastRecord": "2026-11-30T03:04:10Z",
        "batchSize": 7,
        "streamArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Wallet/stream/2026-11-01T00:00:00.000",
    },
}
FAILED_NIGHTLY_RUN = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}}


def test_a_stream_batch_message_gives_its_arrival_window_widened_by_the_margin():
    start, end = dead_letter_window(json.dumps(STREAM_BATCH))  # type: ignore[misc]
    assert start == datetime(2026, 11, 30, 3, 2, 49, tzinfo=UTC) - DEAD_LETTER_MARGIN
    assert end == datetime(2026, 11, 30, 3, 4, 10, tzinfo=UTC) + DEAD_LETTER_MARGIN
    assert dead_letter_window(json.dumps(FAILED_NIGHTLY_RUN)) is None
    assert dead_letter_window("not json") is None


@pytest.fixture
def queue(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        sqs = boto3.client("sqs")
        url = sqs.create_queue(QueueName="dead-letters", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(STREAM_BATCH))
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(FAILED_NIGHTLY_RUN))
        yield sqs, url


def bodies(sqs, url) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_a_replayed_batch_leaves_the_queue_and_other_messages_stay(queue):
    sqs, url = queue
    windows = []

    def replay(start, end):
        windows.append((start, end))
        return 3

    assert republish_dead_letters(sqs, url, replay) == (1, 3)
    assert windows == [dead_letter_window(json.dumps(STREAM_BATCH))]
    assert bodies(sqs, url) == [FAILED_NIGHTLY_RUN]


def test_a_batch_whose_events_could_not_go_out_stays_in_the_queue(queue):
    sqs, url = queue

    def replay(start, end):
        raise PublishFailed("the bus refused")

    with pytest.raises(PublishFailed):
        republish_dead_letters(sqs, url, replay)
    assert sorted(map(json.dumps, bodies(sqs, url))) == sorted(map(json.dumps, [STREAM_BATCH, FAILED_NIGHTLY_RUN]))


def test_make_republish_counts_in_proper_plurals():
    from local.republish import republished

    assert republished(1, "bus b") == "1 event to bus b"
    assert republished(0, "bus b") == "0 events to bus b"
    assert republished(3, "f.jsonl", batches=1) == "3 events from 1 dead-lettered stream batch to f.jsonl"
    assert republished(1, "f.jsonl", batches=2) == "1 event from 2 dead-lettered stream batches to f.jsonl"
