"""Movement events from DynamoDB Local's stream: one per committed movement, none lost, none invented."""

import json
import threading
from collections import Counter, defaultdict
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jsonschema
import pytest

from infra.tables import WALLET_TABLE, ensure_tables
from local.dynamodb_local import free_port
from local.event_schemas import SCHEMA_DIR, schema_files
from local.events import StreamConsumer
from tests.support import unique
from wallet.digests import DIGEST_DETAIL_TYPE
from wallet.errors import InsufficientFunds
from wallet.event_bus import JsonLinesPublisher, PublishFailed, read_event_lines
from wallet.events import DETAIL_TYPES, event_id
from wallet.models import canonical_json
from wallet.reconcile import reconcile
from wallet.repository import WalletRepository
from wallet.service import WalletService
from wallet.settings import get_settings

SAMPLES_DIR = SCHEMA_DIR / "examples"


class Recorder:
    """A publisher that keeps what it was given; fail_at makes the n-th publish (1-based) fail once."""

    def __init__(self, fail_at: int | None = None, crash_at: int | None = None) -> None:
        self.events: list[dict] = []
        self.calls = 0
        self.fail_at, self.crash_at = fail_at, crash_at

    def publish(self, event) -> None:
        self.calls += 1
        if self.calls == self.crash_at:
            raise KeyboardInterrupt("the consumer's process dies here")
        if self.calls == self.fail_at:
            raise PublishFailed("EventBridge throttled this entry")
        self.events.append(json.loads(event.to_json()))

    def ids(self) -> list[str]:
        return [event["detail"]["eventId"] for event in self.events]


@pytest.fixture
def table(client):
    """A table of its own, so its stream holds only this test's movements."""
    name = f"Events{unique('t').replace('-', '')}"
    ensure_tables(client, {WALLET_TABLE: name})
    yield name
    report = reconcile(WalletRepository(client, name).scan(), get_settings())
    client.delete_table(TableName=name)
    assert report.clean, report.summary()


@pytest.fixture
def service(client, table):
    return WalletService(WalletRepository(client, table), get_settings())


def schema_for(detail_type: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{detail_type}.schema.json").read_text())


def every_kind_of_movement(service: WalletService) -> dict[str, str]:
    """Commits one movement of each kind; returns {idempotency key: detail type expected}."""
    service.transact("credit-1", "alice", "10.00", "credit")
    service.transact("debit-1", "alice", "3.00", "debit")
    service.transfer("transfer-1", "alice", "bob", "5.00")
    hold = service.place_hold("hold-1", "alice", "20.00", expires_in_seconds=3600).hold
    service.capture_hold("capture-1", hold.hold_id, "15.00")
    other = service.place_hold("hold-2", "bob", "1.00", expires_in_seconds=3600).hold
    service.void_hold("void-1", other.hold_id)
    credit = service.transact("credit-2", "bob", "4.00", "credit").entry
    service.reverse("reversal-1", credit.transaction_id)
    order = service.post(
        "postings-1",
        [
            {"from": {"userId": "alice"}, "to": {"userId": "bob"}, "amount": "9.70"},
            {"from": {"userId": "alice"}, "to": {"systemAccount": "revenue"}, "amount": "0.30"},
        ],
        "Order 42",
        {"orderId": "42"},
    )
    service.reverse("reversal-2", order.transaction_id)
    return {
        "credit-1": "wallet.transaction.applied",
        "debit-1": "wallet.transaction.applied",
        "transfer-1": "wallet.transfer.applied",
        "hold-1": "wallet.hold.placed",
        "capture-1": "wallet.hold.captured",
        "hold-2": "wallet.hold.placed",
        "void-1": "wallet.hold.voided",
        "credit-2": "wallet.transaction.applied",
        "reversal-1": "wallet.reversal.applied",
        "postings-1": "wallet.postings.applied",
        "reversal-2": "wallet.reversal.applied",
    }


def test_each_committed_movement_yields_one_event_and_replays_and_declines_none(client, table, service):
    expected = every_kind_of_movement(service)
    # Replays of every key (no write) and a declined debit (a DECLINED key record) must add nothing.
    service.transact("credit-1", "alice", "10.00", "credit")
    service.transfer("transfer-1", "alice", "bob", "5.00")
    with pytest.raises(InsufficientFunds):
        service.transact("declined-1", "bob", "1000.00", "debit")
    recorder = Recorder()

    StreamConsumer(client, table, recorder).poll_once()

    by_key = {event["detail"]["idempotentKey"]: event for event in recorder.events}
    assert len(recorder.events) == len(expected) == len(by_key)
    assert {key: event["detail-type"] for key, event in by_key.items()} == expected
    assert len(set(recorder.ids())) == len(expected)
    for key, event in by_key.items():
        assert event["source"] == "wallet"
        assert event["detail"]["eventId"] == event_id(key)
        jsonschema.validate(event["detail"], schema_for(event["detail-type"]))
    transfer = by_key["transfer-1"]["detail"]
    assert [(leg["userId"], leg["type"], leg["amount"]) for leg in transfer["entries"]] == [
        ("alice", "transfer_out", "5.00"),
        ("bob", "transfer_in", "5.00"),
    ]
    assert by_key["credit-1"]["detail"]["entries"][0]["balanceAfter"] == "110.00"
    assert by_key["capture-1"]["detail"]["hold"]["capturedAmount"] == "15.00"
    order = by_key["postings-1"]["detail"]
    assert order["postings"] == [
        {"from": {"userId": "alice"}, "to": {"userId": "bob"}, "amount": "9.70", "currency": "USD"},
        {"from": {"userId": "alice"}, "to": {"systemAccount": "revenue"}, "amount": "0.30", "currency": "USD"},
    ]
    assert [(leg["userId"], leg["type"], leg["balanceAfter"]) for leg in order["entries"]] == [
        ("alice", "transfer_out", "77.30"),  # 87.00 after the movements before it
        ("alice", "debit", "77.00"),
        ("bob", "transfer_in", "114.70"),
    ]
    assert "amount" not in order and "currency" not in order  # several postings, possibly several assets
    back = by_key["reversal-2"]["detail"]
    assert back["reversalOf"] == order["transactionId"]
    assert sorted((p["from"].get("userId") or p["from"]["systemAccount"], p["amount"]) for p in back["postings"]) == [
        ("bob", "9.70"),
        ("revenue", "0.30"),
    ]


def test_events_of_each_account_leave_in_ledger_order(client, table, service):
    for round_ in range(15):
        service.transact(f"c{round_}", "carol", "2.00", "credit")
        service.transfer(f"t{round_}", "carol", "dave", "1.00")
        service.transfer(f"u{round_}", "dave", "carol", "0.50")
    recorder = Recorder()

    StreamConsumer(client, table, recorder, batch_size=7).poll_once()

    sequences: dict[tuple[str, str], list[int]] = defaultdict(list)
    for event in recorder.events:
        for leg in event["detail"]["entries"]:
            sequences[(leg["userId"], leg["currency"])].append(leg["sequence"])
    assert sequences[("carol", "USD")] == list(range(1, 46))
    assert sequences[("dave", "USD")] == list(range(1, 31))


def test_a_failed_publish_mid_batch_is_retried_from_that_record_without_loss_or_new_ids(client, table, service):
    expected = every_kind_of_movement(service)
    recorder = Recorder(fail_at=4)
    consumer = StreamConsumer(client, table, recorder)

    consumer.poll_once()
    assert len(recorder.events) == 3  # the rest of the batch waits behind the failed record
    consumer.poll_once()

    assert recorder.ids() == [event_id(key) for key in expected]  # each once, in commit order


def test_a_consumer_crash_mid_batch_redelivers_from_the_checkpoint_with_the_same_ids(
    client, table, service, tmp_path: Path
):
    expected = {event_id(key) for key in every_kind_of_movement(service)}
    checkpoint = tmp_path / "checkpoint.json"
    crashing = Recorder(crash_at=5)
    with pytest.raises(KeyboardInterrupt):
        StreamConsumer(client, table, crashing, checkpoint_path=checkpoint).poll_once()
    assert len(crashing.events) == 4  # published before the process died, checkpoint not yet moved

    restarted = Recorder()
    StreamConsumer(client, table, restarted, checkpoint_path=checkpoint).poll_once()
    StreamConsumer(client, table, restarted, checkpoint_path=checkpoint).poll_once()  # nothing new after

    delivered = crashing.ids() + restarted.ids()
    assert set(delivered) == expected  # none lost, none invented
    assert set(restarted.ids()) == expected and len(restarted.ids()) == len(expected)
    assert sorted(count for count in Counter(delivered).values() if count > 1) == [2, 2, 2, 2]  # redelivered


def test_the_local_publisher_appends_json_lines_and_posts_each_event_to_the_webhook(client, table, service, tmp_path):
    received: list[dict] = []

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_) -> None:
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Webhook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        service.transact("w1", "erin", "1.00", "credit")
        service.transfer("w2", "erin", "frank", "1.00")
        events_file = tmp_path / "events.jsonl"
        publisher = JsonLinesPublisher(events_file, f"http://127.0.0.1:{server.server_address[1]}/hook")
        StreamConsumer(client, table, publisher).poll_once()
    finally:
        server.shutdown()
        server.server_close()
    lines = read_event_lines(events_file)
    assert [event["detail"]["idempotentKey"] for event in lines] == ["w1", "w2"]
    assert received == lines


def test_an_unreachable_webhook_holds_the_event_back_until_it_answers(client, table, service, tmp_path):
    service.transact("x1", "gina", "1.00", "credit")
    events_file = tmp_path / "events.jsonl"
    consumer = StreamConsumer(client, table, JsonLinesPublisher(events_file, f"http://127.0.0.1:{free_port()}/"))
    consumer.poll_once()
    assert not events_file.exists() or events_file.read_text() == ""


def test_the_schema_files_are_current_and_the_samples_validate():
    for path, text in schema_files().items():
        assert path.read_text() == text, f"{path.name} is stale: run make event-schemas"
    samples = sorted(SAMPLES_DIR.glob("*.json"))
    assert {path.stem for path in samples} == {*DETAIL_TYPES.values(), DIGEST_DETAIL_TYPE}
    for path in samples:
        event = json.loads(path.read_text())
        assert event["detail-type"] == path.stem
        jsonschema.validate(event["detail"], schema_for(path.stem))
    with pytest.raises(jsonschema.ValidationError):  # the schemas do refuse something
        jsonschema.validate({**event["detail"], "amount": 1.5}, schema_for(path.stem))


def test_make_run_starts_the_consumer_beside_the_server(api_server, tmp_path, monkeypatch):
    """What `make run` does: a movement through the local HTTP server shows up in the events file."""
    import threading as threads
    import time
    import urllib.request

    from local.server import start_event_consumer

    events_file = tmp_path / "events.jsonl"
    monkeypatch.setenv("WALLET_EVENTS_FILE", str(events_file))
    stop = threads.Event()
    assert start_event_consumer(stop) == events_file
    key = unique("run")
    body = json.dumps({"idempotentKey": key, "userId": unique("u"), "amount": "1.00", "type": "credit"}).encode()
    request = urllib.request.Request(
        f"{api_server}/transactions", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201
        # The consumer starts at the stream's oldest record: every earlier test's movements come first.
        deadline, seen = time.monotonic() + 180, []
        while time.monotonic() < deadline and key not in seen:
            time.sleep(0.2)
            seen = [event["detail"]["idempotentKey"] for event in read_event_lines(events_file)]
    finally:
        stop.set()
    assert seen.count(key) == 1
    assert (tmp_path / "events.jsonl.checkpoint").exists()


def test_the_nightly_sweep_marks_an_overdue_hold_expired_and_that_is_one_event(client, table, service):
    from datetime import timedelta

    from wallet.service import utc_now

    hold = service.place_hold("short-hold", "hana", "3.00", expires_in_seconds=60).hold
    kept = service.place_hold("long-hold", "hana", "2.00", expires_in_seconds=3600).hold
    # The sweep a minute later (a clock 61 s ahead: holds last at least 60 s).
    later = WalletService(
        WalletRepository(client, table), get_settings(), clock=lambda: utc_now() + timedelta(seconds=61)
    )
    recorder = Recorder()

    assert later.expire_overdue_holds() == 1
    assert later.expire_overdue_holds() == 0
    StreamConsumer(client, table, recorder).poll_once()

    expired = [event for event in recorder.events if event["detail-type"] == "wallet.hold.expired"]
    assert [event["detail"]["hold"]["holdId"] for event in expired] == [hold.hold_id]
    assert expired[0]["detail"]["hold"]["status"] == "expired"
    jsonschema.validate(expired[0]["detail"], schema_for("wallet.hold.expired"))
    assert [item.hold_id for item in later.list_holds("hana", status="expired").holds] == [hold.hold_id]
    assert [item.hold_id for item in later.list_holds("hana", status="pending").holds] == [kept.hold_id]
    balance = later.get_current_balance("hana")
    assert (balance.balance, balance.held) == (Decimal("100.00"), Decimal("2.00"))


def test_republishing_a_window_rebuilds_the_events_the_stream_gave(client, table, service):
    """What make republish does for a dead-lettered batch: the same events, each once, from the key records."""
    from datetime import timedelta

    from wallet.event_replay import replay_events
    from wallet.service import utc_now

    started = utc_now()
    expected = every_kind_of_movement(service)
    with pytest.raises(InsufficientFunds):
        service.transact("declined-1", "bob", "1000.00", "debit")
    streamed = Recorder()
    StreamConsumer(client, table, streamed).poll_once()
    two_hours_later = WalletService(
        WalletRepository(client, table), get_settings(), clock=lambda: utc_now() + timedelta(hours=2)
    )
    two_hours_later.transact("credit-later", "carol", "1.00", "credit")  # outside the window
    replayed = Recorder()

    count = replay_events(WalletRepository(client, table), replayed, started, utc_now() + timedelta(minutes=1))

    assert count == len(replayed.events) == len(expected) == len(streamed.events)
    assert sorted(replayed.events, key=lambda event: event["detail"]["eventId"]) == sorted(
        streamed.events, key=lambda event: event["detail"]["eventId"]
    )
    sequences: dict[tuple[str, str], list[int]] = defaultdict(list)
    for event in replayed.events:
        for leg in event["detail"]["entries"]:
            sequences[(leg["userId"], leg["currency"])].append(leg["sequence"])
    assert all(seen == sorted(seen) for seen in sequences.values())  # each account's in ledger order


def test_group_committed_movements_yield_one_event_each_in_ledger_order(client, table, service):
    service.transact("open-erin", "erin", "1.00", "credit")
    # Every credit, debit and transfer joins the account's queue (the payee's, for a transfer).
    service._hot_account = lambda planner, _accounts, _now: planner.account_keys[-1] if planner.batchable else None
    waiting = [(f"g{n:02d}", "credit" if n < 6 else "debit", "1.00") for n in range(11)]
    waiting.append(("g-declined", "debit", "999.00"))
    for arrival, (key, kind, amount) in enumerate(waiting, start=1):  # others' movements, already queued
        request = canonical_json(service.payload(service.transaction_command(key, "erin", amount, kind)))
        service.repository.enqueue(("erin", "USD"), key, request, arrival)
    service.transact("g-last", "erin", "1.00", "credit")  # takes the lease and commits the queue with itself
    with pytest.raises(InsufficientFunds):  # declined inside the group: a record, no event
        service.transact("g-declined", "erin", "999.00", "debit")
    service.transfer("g-transfer", "frank", "erin", "2.00")
    recorder = Recorder()

    StreamConsumer(client, table, recorder).poll_once()

    by_key = Counter(event["detail"]["idempotentKey"] for event in recorder.events)
    expected = ["open-erin", *(key for key, _, _ in waiting[:-1]), "g-last", "g-transfer"]
    assert by_key == Counter(expected), "one event per movement, none for a decline, none for queue items"
    sequences = [
        leg["sequence"] for event in recorder.events for leg in event["detail"]["entries"] if leg["userId"] == "erin"
    ]
    assert sequences == list(range(1, 15))
