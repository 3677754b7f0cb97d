"""An in-memory WalletRepository with the same contract as the DynamoDB one, plus scripted faults."""

from wallet.models import Account, KeyRecord, LedgerEntry, Movement, Outcome
from wallet.repository import KeyAlreadyUsed, StaleAccount, WriteContention


class InMemoryRepository:
    def __init__(self) -> None:
        self.accounts: dict[tuple[str, str], Account] = {}
        self.entries: dict[str, list[LedgerEntry]] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.contention_left = 0  # the next N applies raise WriteContention
        self.before_apply = None  # callable run before an apply, to simulate a concurrent writer
        self.apply_calls = 0

    def get_account(self, user_id: str, currency: str) -> Account | None:
        return self.accounts.get((user_id, currency))

    def apply_entry(self, entry: LedgerEntry, movement: Movement, expected_version: int) -> None:
        self.apply_calls += 1
        if self.before_apply:
            hook, self.before_apply = self.before_apply, None
            hook()
        if movement.idempotent_key in self.keys:
            raise KeyAlreadyUsed(self.keys[movement.idempotent_key])
        if self.contention_left:
            self.contention_left -= 1
            raise WriteContention()
        current = self.accounts.get((entry.user_id, entry.currency))
        if (current.version if current else 0) != expected_version:
            raise StaleAccount(current)
        self.keys[movement.idempotent_key] = KeyRecord(movement, Outcome.APPLIED, entry.created_at, entry)
        self.accounts[(entry.user_id, entry.currency)] = Account(
            entry.user_id, entry.currency, entry.balance_after_minor, entry.sequence
        )
        self.entries.setdefault(entry.user_id, []).append(entry)

    def record_declined(self, movement: Movement, created_at: str) -> None:
        if movement.idempotent_key in self.keys:
            raise KeyAlreadyUsed(self.keys[movement.idempotent_key])
        self.keys[movement.idempotent_key] = KeyRecord(movement, Outcome.DECLINED, created_at)

    def list_entries(self, user_id, currency, limit, before_sequence):
        entries = sorted(self.entries.get(user_id, []), key=lambda entry: -entry.sequence)
        if before_sequence is not None:
            entries = [entry for entry in entries if entry.sequence < before_sequence]
        return entries[:limit], len(entries) > limit
