"""Verifies the ledger's history: make verify (or python -m local.verify [--receipt HASH]).

Recomputes every account's hash chain, checks each balance against its last entry, each system leg
against the entries of its movement, and every head in the latest anchored digest against the chains
(a history rewritten consistently after that digest is caught there). Exits 0 with a summary, 1 listing
each finding. Works on the DynamoDB that `make reconcile` uses (see local.dynamodb_local.operator_dynamodb)
and the digests in WALLET_DIGEST_BUCKET, WALLET_DIGEST_DIR or .dynamodb/digests/.
"""

import argparse
import sys

from local.dynamodb_local import DIGEST_DIR, operator_dynamodb

SCAN_SEGMENTS = 16  # measured on DynamoDB Local: 4 segments took twice as long as 16


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receipt", metavar="HASH", help="say whether the entry with this hash is still in its chain")
    parser.add_argument("--segments", type=int, default=SCAN_SEGMENTS, help="parallel scan segments")
    args = parser.parse_args(argv)
    with operator_dynamodb():
        from wallet.aws import dynamodb_scan_client
        from wallet.digests import digest_anchor
        from wallet.repository import WalletRepository
        from wallet.settings import get_settings
        from wallet.verify import verify_ledger

        settings = get_settings()
        repository = WalletRepository(dynamodb_scan_client(), settings.wallet_table)
        digest = digest_anchor(DIGEST_DIR).latest()
        report = verify_ledger(repository, settings, digest, args.receipt, args.segments)
        print(report.summary())
        found = args.receipt is None or report.receipt_found
        return 0 if report.clean and found else 1


if __name__ == "__main__":
    sys.exit(main())
