"""Takes a ledger digest now: make digest (or python -m local.digest).

Reads every account's chain head, computes their Merkle root, anchors the digest (WALLET_DIGEST_BUCKET,
WALLET_DIGEST_DIR or .dynamodb/digests/) and publishes it as a wallet.ledger.digested event (locally to
the events file `make run` writes). The nightly run does the same in AWS.
"""

import os
import sys
from pathlib import Path

from local.dynamodb_local import DATA_DIR, DIGEST_DIR, operator_dynamodb


def main(argv: list[str] | None = None) -> int:
    with operator_dynamodb():
        import wallet
        from wallet.digests import digest_anchor, take_digest
        from wallet.event_bus import JsonLinesPublisher
        from wallet.service import timestamp, utc_now
        from wallet.wording import counted

        service = wallet.default_service()
        events = JsonLinesPublisher(Path(os.environ.get("WALLET_EVENTS_FILE", DATA_DIR / "events.jsonl")))
        digest, location = take_digest(service.chain_heads(), timestamp(utc_now()), digest_anchor(DIGEST_DIR), events)
        print(
            f"digest of {digest.created_at}: {counted(len(digest.heads), 'account')}, "
            f"{counted(digest.entries, 'entry', 'entries')}"
        )
        print(f"root {digest.root}")
        print(f"anchored at {location}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
