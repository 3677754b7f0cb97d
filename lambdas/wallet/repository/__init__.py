"""All DynamoDB access for the Wallet table. AWS errors become the exceptions below or domain errors.

Single-table layout (see docs/decisions.md):
  USER#<userId>                 BALANCE#<ccy>                    a user's balance and its version (entry count)
  USER#<userId>                 LEDGER#<ccy>#<seq:012d>          one immutable entry per movement leg
  TXKEY#<key>                   TXKEY                            the permanent outcome of an idempotency key
  SYSTEM#<account>#<ccy>#<b:02d> ENTRY#<createdAt>#<txId>#<leg>  one immutable system-account leg
  SYSTEM#<account>#<ccy>#<b:02d> CHECKPOINT                      the folded total of that bucket's older entries
  HOLD#<holdId>                 HOLD                             a hold and its status
  QUEUE#<userId>#<ccy>          LEASE | Q#<arrival>#<id>         a hot account's writer lease and queue
  RECONCILIATION                LATEST                           the last reconciliation's outcome

One module per concern: items (layout and codecs), table (the one caller of the client), movements (the
movement transaction), hot (a hot account's queue and lease), holds, system (buckets and checkpoints),
scans (whole-table reads).
"""

from wallet.repository.holds import HoldStore
from wallet.repository.hot import HotQueueStore
from wallet.repository.items import (
    ENTRY_SK_END,
    ENTRY_SK_PREFIX,
    PENDING_DUE,
    PENDING_HOLDS_INDEX,
    PENDING_SHARD,
    Checkpoint,
    account_from_item,
    checkpoint_from_item,
    entry_from_item,
    hold_from_item,
    is_balance_item,
    is_unindexed_pending_hold,
    key_record_from_item,
    system_entry_from_item,
    system_entry_sk,
    system_pk,
)
from wallet.repository.movements import (
    AccountWrite,
    HoldChanged,
    HoldEnding,
    KeyAlreadyUsed,
    ReversalBudget,
    ReversalBudgetChanged,
    StaleAccount,
    WriteContention,
)
from wallet.repository.scans import TableScans
from wallet.repository.system import SystemStore

__all__ = [
    "ENTRY_SK_END",
    "ENTRY_SK_PREFIX",
    "PENDING_DUE",
    "PENDING_HOLDS_INDEX",
    "PENDING_SHARD",
    "AccountWrite",
    "Checkpoint",
    "HoldChanged",
    "HoldEnding",
    "KeyAlreadyUsed",
    "ReversalBudget",
    "ReversalBudgetChanged",
    "StaleAccount",
    "WalletRepository",
    "WriteContention",
    "account_from_item",
    "checkpoint_from_item",
    "entry_from_item",
    "hold_from_item",
    "is_balance_item",
    "is_unindexed_pending_hold",
    "key_record_from_item",
    "system_entry_from_item",
    "system_entry_sk",
    "system_pk",
]


class WalletRepository(HotQueueStore, HoldStore, SystemStore, TableScans):
    """Every read and write of the Wallet table, one concern per module."""
