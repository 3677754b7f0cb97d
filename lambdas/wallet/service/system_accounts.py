"""System accounts: balances summed over their buckets, and folding old legs into checkpoints."""

from datetime import timedelta
from typing import Any

from wallet.errors import (
    NotFound,
)
from wallet.models import (
    SystemBalance,
)
from wallet.money import to_decimal
from wallet.repository import (
    ENTRY_SK_PREFIX,
    Checkpoint,
)
from wallet.service.checks import (
    timestamp,
)
from wallet.service.commit import (
    SYSTEM_BUCKETS,
    MovementCommitter,
)
from wallet.settings import DEFAULT_CURRENCY

# plus botocore's retries) can commit an entry behind the checkpoint.
FOLD_MIN_AGE_SECONDS = 300
EMPTY_CHECKPOINT = Checkpoint(total_minor=0, through_sk=ENTRY_SK_PREFIX, version=0)


class SystemAccounts(MovementCommitter):
    def get_system_balance(self, account: str, currency: str = DEFAULT_CURRENCY) -> SystemBalance:
        """A system account's balance: each bucket's folded total plus the legs appended since."""
        if account not in self._settings.system_accounts:
            raise NotFound(f"No system account named {account!r}.")
        asset = self._settings.asset(currency)
        total = 0
        checkpoints = self._repository.get_checkpoints(account, asset.code, SYSTEM_BUCKETS)
        # Checkpoints first, legs after: a fold in between only moves a checkpoint we no longer read.
        for bucket in range(SYSTEM_BUCKETS):
            checkpoint = checkpoints.get(bucket, EMPTY_CHECKPOINT)
            unfolded, _ = self._repository.sum_system_entries(account, asset.code, bucket, checkpoint.through_sk)
            total += checkpoint.total_minor + unfolded
        return SystemBalance(account=account, currency=asset.code, balance=to_decimal(total, asset.scale))

    def get_system_balances(self) -> dict[str, list[SystemBalance]]:
        return {
            name: [self.get_system_balance(name, asset.code) for asset in self._settings.assets]
            for name in self._settings.system_accounts
        }

    def last_reconciliation(self) -> dict[str, Any]:
        record = self._repository.get_reconciliation()
        if record is None:
            raise NotFound("No reconciliation has run yet (make reconcile, or the nightly run in AWS).")
        return record

    def fold_system_accounts(self, min_age_seconds: float = FOLD_MIN_AGE_SECONDS) -> int:
        """Fold every system bucket's legs older than min_age_seconds into its checkpoint, so balance
        reads stay short. Safe to run at any time, from anywhere, concurrently: returns buckets folded."""
        cutoff = ENTRY_SK_PREFIX + timestamp(self._clock() - timedelta(seconds=min_age_seconds))
        folded = 0
        for account in self._settings.system_accounts:
            for asset in self._settings.assets:
                checkpoints = self._repository.get_checkpoints(account, asset.code, SYSTEM_BUCKETS)
                for bucket in range(SYSTEM_BUCKETS):
                    old = checkpoints.get(bucket, EMPTY_CHECKPOINT)
                    total, last = self._repository.sum_system_entries(
                        account, asset.code, bucket, old.through_sk, before_sk=cutoff
                    )
                    if last is None:
                        continue
                    new = Checkpoint(old.total_minor + total, last, old.version + 1)
                    folded += self._repository.save_checkpoint(account, asset.code, bucket, new, old.version)
        return folded
