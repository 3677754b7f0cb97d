"""Checks that the books balance: make reconcile (or python -m local.reconcile [--fold]).

Reads the whole Wallet table and prints what it checked; exits 1 on any difference. It uses
AWS_ENDPOINT_URL_DYNAMODB when set (any DynamoDB, AWS included, with WALLET_TABLE_NAME), else the
DynamoDB Local that `make run` serves on DYNAMODB_PORT (8000), else starts one on the data in
.dynamodb/ for the time of the check.
"""

import argparse
import os
import sys
import urllib.error
import urllib.request

from local.dynamodb_local import DATA_DIR, DynamoDBLocal, local_aws_environment


def _answers(endpoint: str) -> bool:
    try:
        urllib.request.urlopen(endpoint, timeout=1)
    except urllib.error.HTTPError:
        return True  # DynamoDB answers a bare GET with 400
    except OSError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fold", action="store_true", help="fold old system-account legs into checkpoints first")
    parser.add_argument("--expire", action="store_true", help="mark holds past their expiry expired first")
    parser.add_argument(
        "--live",
        action="store_true",
        help="traffic continues during the check: check the books as of a minute ago, confirm by a second scan",
    )
    args = parser.parse_args(argv)

    started, local = None, not os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if local:
        endpoint = f"http://127.0.0.1:{os.environ.get('DYNAMODB_PORT', '8000')}"
        if not _answers(endpoint):
            started = DynamoDBLocal(port=int(endpoint.rsplit(":", 1)[1]), data_dir=DATA_DIR).start()
        os.environ.update(local_aws_environment(endpoint))
    try:
        import wallet
        from handlers.reconcile import run_reconciliation
        from infra.tables import ensure_tables
        from wallet.aws import dynamodb_client

        if local:
            ensure_tables(dynamodb_client())  # a fresh .dynamodb/ has no tables yet: empty books balance
        report = run_reconciliation(wallet.default_service(), live=args.live, fold=args.fold, expire=args.expire)
        print(report.summary())
        return 0 if report.clean else 1
    finally:
        if started:
            started.stop()


if __name__ == "__main__":
    sys.exit(main())
