"""Wallet rules: balances, exactly-once double-entry movements, history, system accounts.

No boto3 here; see wallet.repository. Every movement takes an amount from one account and gives it to
another in one DynamoDB transaction: a user's balance (never below zero) and a system account's
append-only leg, or two users' balances.

One module per concern: commit (the one commit loop every movement goes through), group_commit (beside
it: a hot account's queue, committed in groups), movements (credits, debits, transfers), postings
(transactions of many postings), reversals, holds, reads, system_accounts, chains (the hash chains as a
whole); checks holds request checks and cursors.
"""

from wallet.service.chains import Chains
from wallet.service.checks import ended, parse_instant, timestamp, utc_now
from wallet.service.commit import SYSTEM_BUCKETS, AlsoWrite, MovementResult, RetryPolicy, result_of
from wallet.service.group_commit import GroupCommit
from wallet.service.holds import Holds
from wallet.service.reads import Reads
from wallet.service.reversals import Reversals
from wallet.service.system_accounts import SystemAccounts

__all__ = [
    "SYSTEM_BUCKETS",
    "AlsoWrite",
    "MovementResult",
    "RetryPolicy",
    "WalletService",
    "ended",
    "parse_instant",
    "result_of",
    "timestamp",
    "utc_now",
]


class WalletService(Reads, Reversals, Holds, GroupCommit, SystemAccounts, Chains):
    """The wallet's operations, one concern per module (see above)."""
