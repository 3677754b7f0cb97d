"""An in-memory WalletRepository with the same contract as the DynamoDB one, plus scripted faults."""

from collections.abc import Sequence
from dataclasses import replace

from wallet.models import Account, AccountKey, Hold, HoldStatus, KeyRecord, LedgerEntry, SystemEntry
from wallet.repository import (
    ENTRY_SK_END,
    AccountWrite,
    Checkpoint,
    HoldChanged,
    HoldEnding,
    KeyAlreadyUsed,
    ReversalBudget,
    ReversalBudgetChanged,
    StaleAccount,
    WriteContention,
    system_entry_sk,
    system_pk,
)
from wallet.service import ended


class InMemoryRepository:
    def __init__(self) -> None:
        self.accounts: dict[AccountKey, Account] = {}
        self.entries: dict[AccountKey, list[LedgerEntry]] = {}
        self.system_entries: dict[str, dict[str, SystemEntry]] = {}  # partition -> sort key -> leg
        self.checkpoints: dict[str, Checkpoint] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.holds: dict[str, Hold] = {}
        self.contention_left = 0  # the next N commits raise WriteContention
        self.before_commit = None  # callable run before a commit, to simulate a concurrent writer
        self.commit_calls = 0
        self.extra_writes: list[dict] = []  # extra items of committed transactions, in order

    def get_accounts(self, keys: Sequence[AccountKey]) -> dict[AccountKey, Account]:
        return {key: self.accounts[key] for key in keys if key in self.accounts}

    def commit(
        self,
        key_record: KeyRecord,
        writes: Sequence[AccountWrite],
        system_entries: Sequence[SystemEntry] = (),
        budget: ReversalBudget | None = None,
        new_hold: Hold | None = None,
        hold_ending: HoldEnding | None = None,
        extra: Sequence[dict] = (),
    ) -> None:
        self.commit_calls += 1
        if self.before_commit:
            hook, self.before_commit = self.before_commit, None
            hook()
        if key_record.idempotent_key in self.keys:
            raise KeyAlreadyUsed(self.keys[key_record.idempotent_key])
        if self.contention_left:
            self.contention_left -= 1
            raise WriteContention()
        stale: dict[AccountKey, Account | None] = {}
        for write in writes:
            current = self.accounts.get(write.key)
            if (current.version if current else 0) != write.account.version:
                stale[write.key] = current
        if stale:
            raise StaleAccount(stale)
        if budget is not None:
            original = self.keys[budget.original_key]
            if original.reversed_minor != budget.before:
                raise ReversalBudgetChanged()
            self.keys[budget.original_key] = replace(original, reversed_minor=budget.after)
        if hold_ending is not None:
            hold = self.holds[hold_ending.hold.hold_id]
            overdue = hold.expires_at_ms <= hold_ending.now_ms
            if hold.stored_status is not HoldStatus.PENDING or overdue != (hold_ending.status is HoldStatus.EXPIRED):
                raise HoldChanged()
            self.holds[hold.hold_id] = ended(hold, hold_ending)
        if new_hold is not None:
            self.holds[new_hold.hold_id] = new_hold
        self.keys[key_record.idempotent_key] = key_record
        self.extra_writes += list(extra)
        for write in writes:
            account = write.account
            self.accounts[write.key] = Account(
                account.user_id,
                account.currency,
                write.balance_minor,
                account.version + 1,
                write.updated_at,
                account.entries + (1 if write.entry else 0),
                account.holds if write.holds is None else write.holds,
                account.rate_tat_us if write.rate_tat_us is None else write.rate_tat_us,
            )
            if write.entry:
                self.entries.setdefault(write.key, []).append(write.entry)
        for leg in system_entries:
            partition = system_pk(leg.account, leg.currency, leg.bucket)
            self.system_entries.setdefault(partition, {})[system_entry_sk(leg)] = leg

    def get_hold(self, hold_id: str) -> Hold | None:
        return self.holds.get(hold_id)

    def overdue_holds(self, now_ms: int) -> list[Hold]:
        return [
            hold
            for hold in self.holds.values()
            if hold.stored_status is HoldStatus.PENDING and hold.expires_at_ms <= now_ms
        ]

    def record_declined(self, record: KeyRecord) -> None:
        if record.idempotent_key in self.keys:
            raise KeyAlreadyUsed(self.keys[record.idempotent_key])
        self.keys[record.idempotent_key] = record

    def get_key_record(self, idempotent_key: str) -> KeyRecord | None:
        return self.keys.get(idempotent_key)

    def find_movement(self, transaction_id: str) -> KeyRecord | None:
        return next(
            (
                record
                for record in self.keys.values()
                if record.entries and record.entries[0].transaction_id == transaction_id
            ),
            None,
        )

    def list_entries(self, user_id, currency, limit, before_sequence):
        entries = sorted(self.entries.get((user_id, currency), []), key=lambda entry: -entry.sequence)
        if before_sequence is not None:
            entries = [entry for entry in entries if entry.sequence < before_sequence]
        return entries[:limit], len(entries) > limit

    def get_checkpoints(self, account: str, currency: str, buckets: int) -> dict[int, Checkpoint]:
        found = {bucket: self.checkpoints.get(system_pk(account, currency, bucket)) for bucket in range(buckets)}
        return {bucket: checkpoint for bucket, checkpoint in found.items() if checkpoint}

    def sum_system_entries(self, account, currency, bucket, after_sk, before_sk=ENTRY_SK_END):
        legs = self.system_entries.get(system_pk(account, currency, bucket), {})
        window = sorted(sk for sk in legs if after_sk < sk < before_sk)
        return sum(legs[sk].amount_minor for sk in window), (window[-1] if window else None)

    def save_checkpoint(self, account, currency, bucket, new: Checkpoint, expected_version: int) -> bool:
        partition = system_pk(account, currency, bucket)
        current = self.checkpoints.get(partition)
        if (current.version if current else 0) != expected_version:
            return False
        self.checkpoints[partition] = new
        return True
