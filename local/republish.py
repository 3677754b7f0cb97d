"""Publishes movement events again from the key records: make republish ARGS="...".

  --from ISO --to ISO         every movement committed in that window
  --dead-letters QUEUE_URL    the window of each dead-lettered stream batch in that queue; a message is
                              deleted once its events are out (other messages, such as a failed nightly
                              run, are left in the queue)

Events go to the EventBridge bus named by --bus (or WALLET_EVENT_BUS_NAME), else to the local events
file (WALLET_EVENTS_FILE, default .dynamodb/events.jsonl). They carry the eventId they had the first
time, so consumers drop the ones they already have. The table is found as make reconcile finds it.
"""

import argparse
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from local.dynamodb_local import DATA_DIR, operator_dynamodb
from wallet.wording import counted


def republish_dead_letters(sqs: Any, queue_url: str, replay: Any) -> tuple[int, int]:
    """Replay each dead-lettered stream batch's window, deleting its message after; (messages, events)."""
    from wallet.event_replay import dead_letter_window

    messages = events = 0
    seen: set[str] = set()
    while True:
        received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        batch = [message for message in received.get("Messages", []) if message["MessageId"] not in seen]
        if not batch:
            return messages, events
        for message in batch:
            seen.add(message["MessageId"])  # a message left in the queue comes back; look at it once
            window = dead_letter_window(message["Body"])
            if window is None:
                continue
            events += replay(*window)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            messages += 1


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone, e.g. 2026-11-30T03:00:00Z")
    return moment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="start", type=_instant, help="start of the window (ISO instant)")
    parser.add_argument("--to", dest="end", type=_instant, help="end of the window (ISO instant)")
    parser.add_argument("--dead-letters", metavar="QUEUE_URL", help="replay the dead-lettered stream batches")
    parser.add_argument("--bus", default=os.environ.get("WALLET_EVENT_BUS_NAME"), help="EventBridge bus name")
    args = parser.parse_args(argv)
    if not args.dead_letters and not (args.start and args.end):
        parser.error("give --from and --to, or --dead-letters")

    with operator_dynamodb():
        import boto3

        from wallet.aws import dynamodb_client
        from wallet.event_bus import EventBridgePublisher, EventPublisher, JsonLinesPublisher
        from wallet.event_replay import replay_events
        from wallet.repository import WalletRepository
        from wallet.settings import get_settings

        repository = WalletRepository(dynamodb_client(), get_settings().wallet_table)
        publisher: EventPublisher
        if args.bus:
            publisher, destination = EventBridgePublisher(args.bus), f"bus {args.bus}"
        else:
            events_file = Path(os.environ.get("WALLET_EVENTS_FILE", DATA_DIR / "events.jsonl")).resolve()
            publisher, destination = JsonLinesPublisher(events_file), str(events_file)

        def replay(start: datetime, end: datetime) -> int:
            return replay_events(repository, publisher, start, end)

        if args.dead_letters:
            batches, events = republish_dead_letters(boto3.client("sqs"), args.dead_letters, replay)
            print(republished(events, destination, batches))
        else:
            print(republished(replay(args.start, args.end), destination))
    return 0


def republished(events: int, destination: str, batches: int | None = None) -> str:
    """What make republish prints: how many events went where (and from how many dead-lettered batches)."""
    source = "" if batches is None else f" from {counted(batches, 'dead-lettered stream batch', 'batches')}"
    return f"{counted(events, 'event')}{source} to {destination}"


if __name__ == "__main__":
    sys.exit(main())
