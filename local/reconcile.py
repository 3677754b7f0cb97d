"""Checks that the books balance: make reconcile (or python -m local.reconcile [--fold]).

Reads the whole Wallet table and prints what it checked; exits 1 on any difference. It uses
AWS_ENDPOINT_URL_DYNAMODB when set (any DynamoDB, AWS included, with WALLET_TABLE_NAME), else the
DynamoDB Local that `make run` serves on DYNAMODB_PORT (8000), else starts one on the data in
.dynamodb/ for the time of the check.
"""

import argparse
import sys

from local.dynamodb_local import operator_dynamodb


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
    with operator_dynamodb():
        import wallet
        from handlers.reconcile import run_reconciliation

        report = run_reconciliation(wallet.default_service(), live=args.live, fold=args.fold, expire=args.expire)
        print(report.summary())
        return 0 if report.clean else 1


if __name__ == "__main__":
    sys.exit(main())
