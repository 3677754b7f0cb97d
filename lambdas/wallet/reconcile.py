"""Reconciliation: read the whole Wallet table and check that the books balance.

Checked at a quiescent moment (no movement in flight):
  per asset     the balances of every written user account and every system account sum to zero
  per account   the balance equals the opening balance plus its entries, each entry's balanceAfter is
                the running total, sequences run 1..version without a gap, and no balance is negative
  per movement  a credit or debit has its user leg and one system leg of the opposite sign; a transfer
                has both legs, same amount, each naming the other user; every written account with an
                opening balance has exactly one opening leg from the treasury
  per key       an applied key's entries are in the ledger, every ledger entry belongs to its key's
                record, a declined key moved nothing
  per reversal  the reversals of a movement add up to what its record says, never more than it moved
  per bucket    a system bucket's checkpoint equals the sum of the legs it has folded
  per hold      an account counts only pending holds of its own, every pending hold that has not expired
                is counted, a captured hold's movement moved exactly the captured amount
"""

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wallet.models import Account, EntryType, Hold, HoldStatus, KeyRecord, LedgerEntry, Outcome, SystemEntry
from wallet.repository import (
    Checkpoint,
    account_from_item,
    checkpoint_from_item,
    entry_from_item,
    hold_from_item,
    key_record_from_item,
    system_entry_from_item,
    system_entry_sk,
)
from wallet.settings import TREASURY, Settings

CLOCK_SKEW_MS = 1000


@dataclass
class Report:
    items: int = 0
    accounts: int = 0
    entries: int = 0
    system_entries: int = 0
    movements: int = 0
    transfers: int = 0
    keys: int = 0
    checkpoints: int = 0
    holds: int = 0
    totals: dict[str, int] = field(default_factory=dict)  # per asset: users + system accounts, in minor units
    differences: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        lines = [
            f"items read: {self.items}",
            f"user accounts: {self.accounts}, ledger entries: {self.entries}, system legs: {self.system_entries}",
            f"movements: {self.movements} (transfers: {self.transfers}), keys: {self.keys}, "
            f"checkpoints: {self.checkpoints}, holds: {self.holds}",
        ]
        lines += [f"asset {code}: users + system accounts = {total}" for code, total in sorted(self.totals.items())]
        lines += [f"DIFFERENCE: {difference}" for difference in self.differences]
        lines.append("books balance" if self.clean else f"{len(self.differences)} difference(s)")
        return "\n".join(lines)


@dataclass
class _Books:
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    entries: dict[tuple[str, str], list[LedgerEntry]] = field(default_factory=lambda: defaultdict(list))
    system_entries: list[SystemEntry] = field(default_factory=list)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)  # by system partition key
    keys: list[KeyRecord] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)

    def add(self, item: dict[str, Any]) -> None:
        try:
            self._add(item)
        except (KeyError, ValueError, TypeError):
            self.unreadable.append(f"{item.get('PK')} / {item.get('SK')}")

    def _add(self, item: dict[str, Any]) -> None:
        pk, sk = item["PK"]["S"], item["SK"]["S"]
        if pk.startswith("USER#") and sk.startswith("BALANCE#"):
            account = account_from_item(item)
            self.accounts[(account.user_id, account.currency)] = account
        elif pk.startswith("USER#") and sk.startswith("LEDGER#"):
            entry = entry_from_item(item)
            self.entries[(entry.user_id, entry.currency)].append(entry)
        elif pk.startswith("SYSTEM#") and sk == "CHECKPOINT":
            self.checkpoints[pk] = checkpoint_from_item(item)
        elif pk.startswith("SYSTEM#"):
            self.system_entries.append(system_entry_from_item(item))
        elif pk.startswith("TXKEY#"):
            self.keys.append(key_record_from_item(item))
        elif pk.startswith("HOLD#"):
            self.holds.append(hold_from_item(item))


def reconcile(items: Iterable[dict[str, Any]], settings: Settings, now_ms: int | None = None) -> Report:
    """now_ms: when the scan started (holds pending at that instant must be counted); default now."""
    books = _Books()
    report = Report()
    for item in items:
        report.items += 1
        books.add(item)
    report.accounts = len(books.accounts)
    report.entries = sum(len(entries) for entries in books.entries.values())
    report.system_entries = len(books.system_entries)
    report.keys = len(books.keys)
    report.checkpoints = len(books.checkpoints)
    report.differences += [f"unreadable item {name}" for name in books.unreadable]
    _check_accounts(books, settings, report)
    _check_movements(books, report)
    _check_openings(books, settings, report)
    _check_keys(books, report)
    _check_checkpoints(books, report)
    _check_reversals(books, report)
    _check_holds(books, report, now_ms if now_ms is not None else int(time.time() * 1000))
    _check_totals(books, settings, report)
    return report


def _opening(settings: Settings, currency: str) -> int | None:
    return next((asset.opening_minor for asset in settings.assets if asset.code == currency), None)


def _check_accounts(books: _Books, settings: Settings, report: Report) -> None:
    for key in sorted(set(books.accounts) | set(books.entries)):
        user, currency = key
        name = f"account {user} {currency}"
        account, entries = books.accounts.get(key), sorted(books.entries.get(key, []), key=lambda e: e.sequence)
        opening = _opening(settings, currency)
        if opening is None:
            report.differences.append(f"{name}: asset {currency} is not configured")
            continue
        if account is None:
            report.differences.append(f"{name}: {len(entries)} ledger entries but no balance")
            continue
        running = opening
        for expected_sequence, entry in enumerate(entries, start=1):
            running += entry.type.sign * entry.amount_minor
            if entry.sequence != expected_sequence:
                report.differences.append(f"{name}: entry {entry.sequence} where {expected_sequence} was due")
                break
            if entry.balance_after_minor != running:
                report.differences.append(
                    f"{name}: entry {entry.sequence} says balanceAfter {entry.balance_after_minor}, "
                    f"running total {running}"
                )
                break
        if account.entries != len(entries):
            report.differences.append(f"{name}: entry count {account.entries} but {len(entries)} entries")
        if account.balance_minor != running:
            report.differences.append(f"{name}: balance {account.balance_minor} but opening + entries = {running}")
        if account.balance_minor < 0:
            report.differences.append(f"{name}: negative balance {account.balance_minor}")


def _check_movements(books: _Books, report: Report) -> None:
    user_legs: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entries in books.entries.values():
        for entry in entries:
            user_legs[entry.transaction_id].append(entry)
    system_legs: dict[str, list[SystemEntry]] = defaultdict(list)
    for leg in books.system_entries:
        if leg.leg == "movement":
            system_legs[leg.transaction_id].append(leg)
    report.movements = len(user_legs)
    for transaction_id in sorted(set(user_legs) | set(system_legs)):
        legs, system = user_legs.get(transaction_id, []), system_legs.get(transaction_id, [])
        types = sorted(leg.type.value for leg in legs)
        if types == ["transfer_in", "transfer_out"]:
            report.transfers += 1
            out, into = sorted(legs, key=lambda leg: leg.type.value, reverse=True)
            if system or out.amount_minor != into.amount_minor or out.currency != into.currency:
                report.differences.append(f"transfer {transaction_id}: legs do not match")
            elif out.counterparty != into.user_id or into.counterparty != out.user_id:
                report.differences.append(f"transfer {transaction_id}: legs name the wrong counterparties")
        elif len(legs) == 1 and legs[0].type in (EntryType.CREDIT, EntryType.DEBIT) and len(system) == 1:
            user_leg, system_leg = legs[0], system[0]
            if system_leg.amount_minor != -user_leg.type.sign * user_leg.amount_minor or (
                system_leg.account != user_leg.counterparty or system_leg.currency != user_leg.currency
            ):
                report.differences.append(f"movement {transaction_id}: system leg does not mirror the user leg")
        else:
            report.differences.append(
                f"movement {transaction_id}: {types or 'no user legs'} with {len(system)} system leg(s)"
            )


def _check_openings(books: _Books, settings: Settings, report: Report) -> None:
    openings: dict[tuple[str, str], list[SystemEntry]] = defaultdict(list)
    for leg in books.system_entries:
        if leg.leg.startswith("opening:"):
            openings[(leg.user_id, leg.currency)].append(leg)
    for key in sorted(set(books.accounts) | set(openings)):
        opening = _opening(settings, key[1]) or 0
        legs = openings.get(key, [])
        expected = 1 if key in books.accounts and opening else 0
        if len(legs) != expected or any(leg.amount_minor != -opening or leg.account != TREASURY for leg in legs):
            report.differences.append(
                f"account {key[0]} {key[1]}: {len(legs)} opening leg(s) from the treasury, expected {expected}"
            )


def _check_keys(books: _Books, report: Report) -> None:
    in_ledger = {
        (entry.idempotent_key, entry.transaction_id, entry.user_id, entry.sequence)
        for entries in books.entries.values()
        for entry in entries
    }
    recorded = set()
    for record in books.keys:
        if record.outcome is Outcome.DECLINED and record.entries:
            report.differences.append(f"key {record.idempotent_key}: declined but records entries")
        for entry in record.entries:
            identity = (entry.idempotent_key, entry.transaction_id, entry.user_id, entry.sequence)
            recorded.add(identity)
            if identity not in in_ledger:
                report.differences.append(
                    f"key {record.idempotent_key}: entry {entry.transaction_id} is not in the ledger"
                )
    for identity in sorted(in_ledger - recorded):
        report.differences.append(f"key {identity[0]}: ledger entry {identity[1]} has no key record")


def _check_reversals(books: _Books, report: Report) -> None:
    reversed_by_movement: dict[str, int] = defaultdict(int)
    for record in books.keys:
        if record.entries and record.entries[0].reversal_of:
            reversed_by_movement[record.entries[0].reversal_of] += record.entries[0].amount_minor
    originals = {record.entries[0].transaction_id: record for record in books.keys if record.entries}
    for movement_id in sorted(set(reversed_by_movement) | {m for m, r in originals.items() if r.reversed_minor}):
        original, moved_back = originals.get(movement_id), reversed_by_movement.get(movement_id, 0)
        if original is None:
            report.differences.append(f"reversal of unknown movement {movement_id}")
        elif original.reversed_minor != moved_back or moved_back > original.entries[0].amount_minor:
            report.differences.append(
                f"movement {movement_id}: {moved_back} reversed, the record says {original.reversed_minor}, "
                f"of {original.entries[0].amount_minor}"
            )


def _check_holds(books: _Books, report: Report, now_ms: int) -> None:
    """Every hold an account counts is a pending hold of that account and amount; every pending hold not
    yet expired is counted; a captured hold has its movement, of the captured amount, on its account."""
    by_id = {hold.hold_id: hold for hold in books.holds}
    report.holds = len(books.holds)
    counted: set[str] = set()
    for (user, currency), account in sorted(books.accounts.items()):
        for hold_id, (amount, expires_ms) in account.holds.items():
            hold = by_id.get(hold_id)
            counted.add(hold_id)
            if hold is None or (hold.user_id, hold.currency, hold.amount_minor, hold.expires_at_ms) != (
                user,
                currency,
                amount,
                expires_ms,
            ):
                report.differences.append(f"account {user} {currency}: counts hold {hold_id}, which does not match")
            elif hold.stored_status is not HoldStatus.PENDING:
                report.differences.append(
                    f"account {user} {currency}: still counts hold {hold_id}, {hold.stored_status}"
                )
    capture_entries = {entry.hold_id: entry for entries in books.entries.values() for entry in entries if entry.hold_id}
    for hold in books.holds:
        entry = capture_entries.get(hold.hold_id)
        if hold.stored_status is HoldStatus.CAPTURED:
            if (
                entry is None
                or entry.amount_minor != hold.captured_minor
                or entry.transaction_id != hold.transaction_id
            ):
                report.differences.append(f"hold {hold.hold_id}: captured {hold.captured_minor} without that movement")
        elif entry is not None:
            report.differences.append(
                f"hold {hold.hold_id}: {hold.stored_status} but entry {entry.transaction_id} captures it"
            )
        # A writer whose clock ran a little ahead may already have dropped a hold at its expiry boundary.
        if hold.status(now_ms + CLOCK_SKEW_MS) is HoldStatus.PENDING and hold.hold_id not in counted:
            report.differences.append(f"hold {hold.hold_id}: pending but its account does not count it")


def _check_checkpoints(books: _Books, report: Report) -> None:
    folded: dict[str, int] = defaultdict(int)
    for leg in books.system_entries:
        pk = f"SYSTEM#{leg.account}#{leg.currency}#{leg.bucket:02d}"
        checkpoint = books.checkpoints.get(pk)
        if checkpoint and system_entry_sk(leg) <= checkpoint.through_sk:
            folded[pk] += leg.amount_minor
    for pk, checkpoint in sorted(books.checkpoints.items()):
        if checkpoint.total_minor != folded[pk]:
            report.differences.append(f"{pk}: checkpoint {checkpoint.total_minor} but its legs sum to {folded[pk]}")


def _check_totals(books: _Books, settings: Settings, report: Report) -> None:
    totals: dict[str, int] = {asset.code: 0 for asset in settings.assets}
    for (_, currency), account in books.accounts.items():
        totals[currency] = totals.get(currency, 0) + account.balance_minor
    for leg in books.system_entries:
        totals[leg.currency] = totals.get(leg.currency, 0) + leg.amount_minor
    report.totals = totals
    for code, total in sorted(totals.items()):
        if total != 0:
            report.differences.append(f"asset {code}: users and system accounts sum to {total}, not 0")
