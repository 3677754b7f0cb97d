"""Where movement events go: an EventBridge bus on AWS; locally a JSON-lines file (and a webhook)."""

import json
import os
import urllib.request
from pathlib import Path
from typing import Protocol

from wallet.aws import events_client
from wallet.events import EVENT_SOURCE, MovementEvent


class PublishFailed(Exception):
    """The destination did not take the event; the stream record is retried."""


class EventPublisher(Protocol):
    def publish(self, event: MovementEvent) -> None: ...


class EventBridgePublisher:
    def __init__(self, bus_name: str) -> None:
        self._bus_name = bus_name

    def publish(self, event: MovementEvent) -> None:
        answer = events_client().put_events(
            Entries=[
                {
                    "Source": EVENT_SOURCE,
                    "DetailType": event.detail_type,
                    "Detail": json.dumps(event.detail, sort_keys=True),
                    "EventBusName": self._bus_name,
                    "Resources": [],
                }
            ]
        )
        if answer.get("FailedEntryCount"):  # PutEvents answers 200 with per-entry failures
            failure = answer["Entries"][0]
            raise PublishFailed(f"{failure.get('ErrorCode')}: {failure.get('ErrorMessage')}")


class JsonLinesPublisher:
    """Appends each event as one JSON line (flushed before returning); POSTs it to webhook_url if given."""

    def __init__(self, path: Path, webhook_url: str | None = None) -> None:
        self._path = path
        self._webhook_url = webhook_url
        path.parent.mkdir(parents=True, exist_ok=True)

    def publish(self, event: MovementEvent) -> None:
        line = event.to_json()
        if self._webhook_url:
            request = urllib.request.Request(
                self._webhook_url, data=line.encode(), headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=5):
                    pass
            except OSError as error:
                raise PublishFailed(f"webhook {self._webhook_url}: {error}") from error
        # One write on an append-only descriptor: a line lands whole at the end, never interleaved
        # with another writer's. A reader following the file may still see its tail mid-write, so
        # readers take only newline-terminated lines (read_event_lines).
        descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, (line + "\n").encode())
        finally:
            os.close(descriptor)


def read_event_lines(path: Path) -> list[dict]:
    """The events a JsonLinesPublisher has written so far, ignoring a last line still being written."""
    if not path.exists():
        return []
    complete, _, _being_written = path.read_text(encoding="utf-8").rpartition("\n")
    return [json.loads(line) for line in complete.splitlines() if line]
