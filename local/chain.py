"""Starts the hash chain of accounts written before chains existed: make chain (or python -m local.chain).

Each such account gets a chain head computed from its current state (its last entry's sequence and
balance); its next entries chain from there. Resumable: accounts that have a head are left alone.
"""

import sys

from local.dynamodb_local import operator_dynamodb


def main(argv: list[str] | None = None) -> int:
    with operator_dynamodb():
        import wallet

        started, already = wallet.default_service().start_chains()
        print(f"chains started: {started}, accounts already chained: {already}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
