"""Ledger digests: one Merkle root over every account's chain head, anchored where the table's writers
cannot change it, and published as an event.

In AWS the anchor is an S3 bucket with Object Lock in compliance mode (WALLET_DIGEST_BUCKET): once
written, no one (the account's root user included) can change or delete a digest until its retention
ends. Locally it is a folder (under .dynamodb/). `make verify` compares every head with the latest one.
"""

import json
import os
import uuid
from pathlib import Path
from typing import Protocol

from wallet.aws import s3_client
from wallet.chain import Digest, Head
from wallet.event_bus import EventPublisher
from wallet.events import MovementEvent

DIGEST_DETAIL_TYPE = "wallet.ledger.digested"
DIGEST_PREFIX = "digests/"
_EVENT_ID_NAMESPACE = uuid.UUID("0b3d1f0e-6c55-4a7e-9a3c-2f3e1d8e4b21")


class DigestAnchor(Protocol):
    def anchor(self, digest: Digest) -> str:
        """Stores the digest; returns where."""

    def latest(self) -> Digest | None: ...


def _name(digest: Digest) -> str:
    # createdAt sorts in time order as text; ":" is awkward in file names
    return f"{digest.created_at.replace(':', '-')}.json"


def _text(digest: Digest) -> str:
    return json.dumps(digest.to_json(), indent=1, sort_keys=True) + "\n"


class FolderAnchor:
    """A local folder: one read-only JSON file per digest."""

    def __init__(self, folder: Path):
        self._folder = folder

    def anchor(self, digest: Digest) -> str:
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._folder / _name(digest)
        with open(path, "x", encoding="utf-8") as file:  # never overwrite an anchored digest
            file.write(_text(digest))
        path.chmod(0o444)
        return str(path)

    def latest(self) -> Digest | None:
        files = sorted(self._folder.glob("*.json")) if self._folder.is_dir() else []
        return Digest.from_json(json.loads(files[-1].read_text())) if files else None


class S3Anchor:
    """An S3 bucket with Object Lock: the bucket's default retention (compliance mode) locks every object."""

    def __init__(self, bucket: str):
        self._bucket = bucket

    def anchor(self, digest: Digest) -> str:
        key = DIGEST_PREFIX + _name(digest)
        s3_client().put_object(
            Bucket=self._bucket,
            Key=key,
            Body=_text(digest).encode(),
            ContentType="application/json",
            ChecksumAlgorithm="SHA256",  # Object Lock needs an integrity checksum on every put
        )
        return f"s3://{self._bucket}/{key}"

    def latest(self) -> Digest | None:
        newest = None
        for page in s3_client().get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=DIGEST_PREFIX):
            for item in page.get("Contents", []):
                if newest is None or item["Key"] > newest:
                    newest = item["Key"]
        if newest is None:
            return None
        body = s3_client().get_object(Bucket=self._bucket, Key=newest)["Body"].read()
        return Digest.from_json(json.loads(body))


def digest_anchor(local_folder: Path | None = None) -> DigestAnchor:
    """WALLET_DIGEST_BUCKET when set; else WALLET_DIGEST_DIR, else the local folder given."""
    bucket = os.environ.get("WALLET_DIGEST_BUCKET")
    if bucket:
        return S3Anchor(bucket)
    folder = os.environ.get("WALLET_DIGEST_DIR")
    if folder:
        return FolderAnchor(Path(folder))
    if local_folder is None:
        raise RuntimeError("WALLET_DIGEST_BUCKET (or WALLET_DIGEST_DIR) is not set: nowhere to anchor digests")
    return FolderAnchor(local_folder)


def digest_event(digest: Digest, location: str) -> MovementEvent:
    identifier = str(uuid.uuid5(_EVENT_ID_NAMESPACE, f"{digest.created_at}|{digest.root}"))
    detail = {
        "eventId": identifier,
        "createdAt": digest.created_at,
        "root": digest.root,
        "accounts": len(digest.heads),
        "entries": digest.entries,
        "location": location,
    }
    return MovementEvent(event_id=identifier, detail_type=DIGEST_DETAIL_TYPE, detail=detail)


def take_digest(
    heads: list[Head], created_at: str, anchor: DigestAnchor, publisher: EventPublisher | None
) -> tuple[Digest, str]:
    """Computes the digest of these heads, anchors it, then publishes it (an anchored digest whose event
    was lost is still anchored: the next run publishes its own)."""
    digest = Digest.of(heads, created_at)
    location = anchor.anchor(digest)
    if publisher is not None:
        publisher.publish(digest_event(digest, location))
    return digest, location
