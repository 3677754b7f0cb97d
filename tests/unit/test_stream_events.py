"""The stream consumer Lambda with the sample stream event: what it publishes and what it reports failed."""

import json

import pytest
from botocore.stub import Stubber

from handlers import stream_events
from local.lambda_context import LocalLambdaContext
from tests.support import load_event
from wallet.aws import events_client
from wallet.events import event_id, movement_event

BUS = "wallet-events-test"


@pytest.fixture
def events(monkeypatch):
    monkeypatch.setenv("WALLET_EVENT_BUS_NAME", BUS)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    events_client.cache_clear()
    client = events_client()
    with Stubber(client) as stubber:
        yield stubber
    events_client.cache_clear()


def put_events_request(detail_type: str, key: str) -> dict:
    return {
        "Entries": [
            {
                "Source": "wallet",
                "DetailType": detail_type,
                "Detail": _Detail(key),
                "EventBusName": BUS,
                "Resources": [],
            }
        ]
    }


class _Detail(str):
    """Matches a Detail JSON by its eventId (botocore's Stubber compares parameters with ==)."""

    def __new__(cls, key: str) -> "_Detail":
        return super().__new__(cls, key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and json.loads(other)["eventId"] == event_id(str.__str__(self))

    __hash__ = str.__hash__


def test_only_the_applied_key_record_is_published_once():
    sample = load_event("stream/movements")
    kinds = [movement_event(record) for record in sample["Records"]]
    assert [event.detail_type if event else None for event in kinds] == [
        "wallet.transaction.applied",
        None,  # the balance item
        None,  # the ledger entry
        None,  # the treasury's leg
        None,  # the opening leg
        None,  # a declined debit's key record
    ]


def test_the_handler_puts_the_movement_on_the_bus_and_reports_no_failure(events):
    events.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]},
        put_events_request("wallet.transaction.applied", "credit-7f3a"),
    )

    answer = stream_events.lambda_handler(load_event("stream/movements"), LocalLambdaContext("wallet-stream-events"))

    assert answer == {"batchItemFailures": []}
    events.assert_no_pending_responses()


def test_a_rejected_entry_fails_that_record_and_every_later_one(events):
    sample = load_event("stream/movements")
    events.add_response(
        "put_events",
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}]},
        put_events_request("wallet.transaction.applied", "credit-7f3a"),
    )

    answer = stream_events.lambda_handler(sample, LocalLambdaContext("wallet-stream-events"))

    sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in sample["Records"]]
    assert answer == {"batchItemFailures": [{"itemIdentifier": number} for number in sequence_numbers]}


def test_a_snapstart_restore_forgets_every_client_built_before_the_snapshot(monkeypatch):
    from snapshot_restore_py import get_after_restore

    from wallet.aws import dynamodb_client, forget_clients

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    before = dynamodb_client()
    hooks = get_after_restore()  # (function, args, kwargs) in registration order
    assert forget_clients in [hook for hook, _, _ in hooks]

    for hook, args, kwargs in hooks:  # what Lambda does after restoring a snapshot
        hook(*args, **kwargs)

    assert dynamodb_client() is not before


def test_a_reader_of_the_events_file_skips_a_line_still_being_written(tmp_path):
    from wallet.event_bus import JsonLinesPublisher, read_event_lines

    event = movement_event(load_event("stream/movements")["Records"][0])
    assert event is not None
    path = tmp_path / "events.jsonl"
    JsonLinesPublisher(path).publish(event)
    whole = path.read_text()
    assert whole.endswith("\n") and whole.count("\n") == 1
    with path.open("a") as file:  # the next line, caught halfway through its write
        file.write(whole[: len(whole) // 2])
    assert [line["detail"]["idempotentKey"] for line in read_event_lines(path)] == [event.detail["idempotentKey"]]
    assert read_event_lines(tmp_path / "absent.jsonl") == []
