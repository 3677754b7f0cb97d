"""Anchoring a ledger digest: in an S3 bucket with Object Lock (moto), or a read-only local file; its event."""

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from wallet.aws import forget_clients
from wallet.chain import Head
from wallet.digests import DIGEST_DETAIL_TYPE, FolderAnchor, S3Anchor, digest_anchor, take_digest

HEADS = [Head("alice", "USD", 5, "a" * 64), Head("bob", "USD", 2, "b" * 64), Head("alice", "GOLD", 1, "c" * 64)]


class Recorder:
    def __init__(self) -> None:
        self.events: list = []

    def publish(self, event) -> None:
        self.events.append(event)


@pytest.fixture
def locked_bucket(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    with mock_aws():
        forget_clients()
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="digests", ObjectLockEnabledForBucket=True)
        s3.put_object_lock_configuration(
            Bucket="digests",
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}},
            },
        )
        yield s3
        forget_clients()


def test_a_digest_anchored_in_s3_is_locked_in_compliance_mode_and_is_the_latest(locked_bucket):
    anchor = S3Anchor("digests")
    published = Recorder()

    first, _ = take_digest(HEADS[:2], "2026-12-06T03:00:00.000Z", anchor, published)
    second, location = take_digest(HEADS, "2026-12-07T03:00:00.000Z", anchor, published)

    key = location.removeprefix("s3://digests/")
    stored = locked_bucket.get_object(Bucket="digests", Key=key)
    assert stored["ObjectLockMode"] == "COMPLIANCE"
    assert anchor.latest() == second != first
    assert json.loads(stored["Body"].read())["root"] == second.root
    with pytest.raises(locked_bucket.exceptions.ClientError):  # not even the writer can remove it
        locked_bucket.delete_object(Bucket="digests", Key=key, VersionId=stored["VersionId"])
    assert [event.detail_type for event in published.events] == [DIGEST_DETAIL_TYPE] * 2
    assert published.events[1].detail == {
        "eventId": published.events[1].event_id,
        "createdAt": "2026-12-07T03:00:00.000Z",
        "root": second.root,
        "accounts": 3,
        "entries": 8,
        "location": location,
    }


def test_a_local_digest_is_a_read_only_file_never_overwritten(tmp_path):
    anchor = FolderAnchor(tmp_path / "digests")

    digest, location = take_digest(HEADS, "2026-12-07T03:00:00.000Z", anchor, None)

    assert anchor.latest() == digest
    assert Path(location).stat().st_mode & 0o222 == 0  # no one's write bit
    with pytest.raises(FileExistsError):
        anchor.anchor(digest)


def test_where_digests_go_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("WALLET_DIGEST_BUCKET", raising=False)
    monkeypatch.delenv("WALLET_DIGEST_DIR", raising=False)
    assert isinstance(digest_anchor(tmp_path), FolderAnchor)
    with pytest.raises(RuntimeError, match="WALLET_DIGEST_BUCKET"):
        digest_anchor()
    monkeypatch.setenv("WALLET_DIGEST_BUCKET", "digests")
    assert isinstance(digest_anchor(tmp_path), S3Anchor)


def test_the_nightly_run_anchors_a_digest_of_every_head_and_publishes_it(locked_bucket, monkeypatch):
    """The scheduled handler end to end on moto: the books checked, then one digest of the heads its scan read,
    locked in the bucket and handed to the bus's publisher."""
    import wallet
    from handlers import reconcile
    from infra.tables import ensure_tables
    from local.lambda_context import LocalLambdaContext
    from wallet.aws import dynamodb_client
    from wallet.settings import get_settings

    monkeypatch.setenv("WALLET_DIGEST_BUCKET", "digests")
    monkeypatch.setenv("WALLET_EVENT_BUS_NAME", "wallet-events")
    monkeypatch.setenv("WALLET_TABLE_NAME", "Wallet")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    for cached in (get_settings, wallet.default_service):
        cached.cache_clear()
    ensure_tables(dynamodb_client())
    published = Recorder()
    buses = []

    def publisher(bus_name: str) -> Recorder:
        buses.append(bus_name)
        return published

    monkeypatch.setattr(reconcile, "EventBridgePublisher", publisher)
    wallet.transact("n1", "alice", "5.00", "credit")
    wallet.transfer("n2", "alice", "bob", "1.00")
    try:
        answer = reconcile.lambda_handler({}, LocalLambdaContext())
    finally:
        for cached in (get_settings, wallet.default_service):
            cached.cache_clear()

    assert answer["clean"] is True
    digest = S3Anchor("digests").latest()
    assert digest is not None and answer["digest"]["root"] == digest.root
    assert [(head.user_id, head.sequence) for head in digest.heads] == [("alice", 2), ("bob", 1)]
    key = answer["digest"]["location"].removeprefix("s3://digests/")
    assert locked_bucket.get_object(Bucket="digests", Key=key)["ObjectLockMode"] == "COMPLIANCE"
    [event] = published.events
    assert buses == ["wallet-events"]
    assert event.detail_type == DIGEST_DETAIL_TYPE and event.detail["root"] == digest.root
