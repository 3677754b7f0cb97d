"""Movement events published again from the key records, for what the stream consumer could not publish.

A stream batch that failed past its retries reaches the dead-letter queue as a pointer (shard, sequence
numbers, arrival times), not as records, and the stream drops its records after 24 hours. The events can
always be rebuilt from the table: every movement's key record stays, and the event is built from it as
the stream consumer builds it, with the same eventId, so a consumer drops what it already had.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamLambdaOnFailureDestinationModel
from pydantic import ValidationError

from wallet.event_bus import EventPublisher
from wallet.events import MovementEvent, key_record_event
from wallet.repository import WalletRepository
from wallet.service import timestamp

# A key record is stamped before its transaction commits (at most a Lambda timeout before), and a stream's
# arrival times may be truncated to the minute (DynamoDB Local): a minute either side covers both.
DEAD_LETTER_MARGIN = timedelta(seconds=60)


def replay_events(repository: WalletRepository, publisher: EventPublisher, start: datetime, end: datetime) -> int:
    """Publish the event of every movement committed in [start, end], in commit order; returns how many."""
    window = timestamp(start.astimezone(UTC)), timestamp(end.astimezone(UTC))
    events = ordered_events(repository.applied_key_records(*window))
    for event in events:
        publisher.publish(event)
    return len(events)


def ordered_events(key_record_items: Iterable[dict[str, Any]]) -> list[MovementEvent]:
    """Events in the order their movements committed: by time, and one account's by its sequence (a
    movement is never stamped earlier than its account's last entry, but two may share a millisecond)."""
    events = [event for event in map(key_record_event, key_record_items) if event is not None]
    return sorted(
        events,
        key=lambda event: (
            event.detail["occurredAt"],
            max((entry["sequence"] for entry in event.detail["entries"]), default=0),
        ),
    )


def dead_letter_window(message_body: str) -> tuple[datetime, datetime] | None:
    """The commit window of a dead-lettered stream batch; None for any other message (a failed nightly run)."""
    try:
        message = DynamoDBStreamLambdaOnFailureDestinationModel.model_validate_json(message_body)
    except ValidationError:
        return None
    batch = message.ddb_stream_batch_info
    return (
        batch.approximate_arrival_of_first_record - DEAD_LETTER_MARGIN,
        batch.approximate_arrival_of_last_record + DEAD_LETTER_MARGIN,
    )
