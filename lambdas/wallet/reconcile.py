"""Reconciliation: read the whole Wallet table and check that the books balance.

Checked over every item, or while traffic continues (`settled_before`, see reconcile_live):
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

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wallet.models import Account, EntryType, Hold, HoldStatus, KeyRecord, LedgerEntry, Outcome, SystemEntry
from wallet.money import format_amount
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
from wallet.service.postings import POSTING_LEG
from wallet.settings import TREASURY, Settings
from wallet.wording import counted

CLOCK_SKEW_MS = 1000
# A movement commits within its Lambda's 10 s timeout of its createdAt; everything stamped a minute
# before a scan started was committed before it, so the scan sees all of such a movement or none.
SETTLE_MS = 60_000


@dataclass
class Report:
    items: int = 0
    accounts: int = 0
    entries: int = 0
    system_entries: int = 0
    movements: int = 0
    transfers: int = 0
    postings: int = 0
    keys: int = 0
    checkpoints: int = 0
    holds: int = 0
    unsettled: int = 0  # live mode: items stamped after the cutoff, left to the next run
    totals: dict[str, int] = field(default_factory=dict)  # per asset: users + system accounts, in minor units
    differences: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.differences

    def record(self, ran_at: str, settings: Settings, kept: int = 20) -> dict[str, Any]:
        """What is kept of a run for GET /reconciliation: its outcome, each asset's sum and the first differences."""
        scales = {asset.code: asset.scale for asset in settings.assets}
        return {
            "ranAt": ran_at,
            "clean": self.clean,
            "items": self.items,
            "unsettled": self.unsettled,
            "totals": [
                {"currency": code, "sum": format_amount(total, scales.get(code, 0))}
                for code, total in sorted(self.totals.items())
            ],
            "differenceCount": len(self.differences),
            "differences": self.differences[:kept],
        }

    def summary(self) -> str:
        lines = [
            f"items read: {self.items}",
            f"user accounts: {self.accounts}, ledger entries: {self.entries}, system legs: {self.system_entries}",
            f"movements: {self.movements} (transfers: {self.transfers}, postings: {self.postings}), keys: {self.keys}, "
            f"checkpoints: {self.checkpoints}, holds: {self.holds}",
        ]
        if self.unsettled:
            lines.append(f"left for the next run (written after the cutoff): {counted(self.unsettled, 'item')}")
        lines += [f"asset {code}: users + system accounts = {total}" for code, total in sorted(self.totals.items())]
        lines += [f"DIFFERENCE: {difference}" for difference in self.differences]
        lines.append("books balance" if self.clean else counted(len(self.differences), "difference"))
        return "\n".join(lines)


@dataclass
class _Books:
    """What the scan read. With a cutoff, entries, legs and key records stamped after it are set aside
    (unsettled: their movement may have been in flight) and their accounts are checked up to it."""

    cutoff: str | None = None  # an ISO timestamp, comparable with createdAt
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)
    entries: dict[tuple[str, str], list[LedgerEntry]] = field(default_factory=lambda: defaultdict(list))
    system_entries: list[SystemEntry] = field(default_factory=list)
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)  # by system partition key
    keys: list[KeyRecord] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    late_keys: list[KeyRecord] = field(default_factory=list)  # for reversal budgets, which never wait
    late_captures: dict[str, LedgerEntry] = field(default_factory=dict)  # by hold id
    unsettled_accounts: set[tuple[str, str]] = field(default_factory=set)
    unsettled: int = 0

    def _late(self, created_at: str) -> bool:
        if self.cutoff is None or created_at <= self.cutoff:
            return False
        self.unsettled += 1
        return True

    def settled(self, key: tuple[str, str]) -> bool:
        return key not in self.unsettled_accounts

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
            if self.cutoff is not None and account.updated_at > self.cutoff:
                self.unsettled_accounts.add((account.user_id, account.currency))
        elif pk.startswith("USER#") and sk.startswith("LEDGER#"):
            entry = entry_from_item(item)
            if self._late(entry.created_at):
                self.unsettled_accounts.add((entry.user_id, entry.currency))
                if entry.hold_id:
                    self.late_captures[entry.hold_id] = entry
                return
            self.entries[(entry.user_id, entry.currency)].append(entry)
        elif pk.startswith("SYSTEM#") and sk == "CHECKPOINT":
            self.checkpoints[pk] = checkpoint_from_item(item)
        elif pk.startswith("SYSTEM#"):
            leg = system_entry_from_item(item)
            if self._late(leg.created_at):
                if leg.leg.startswith("opening:"):  # the account did not exist at the cutoff
                    self.unsettled_accounts.add((leg.user_id, leg.currency))
                return
            self.system_entries.append(leg)
        elif pk.startswith("TXKEY#"):
            record = key_record_from_item(item)
            if self._late(record.created_at):
                self.late_keys.append(record)
                return
            self.keys.append(record)
        elif pk.startswith("HOLD#"):
            self.holds.append(hold_from_item(item))


def reconcile(
    items: Iterable[dict[str, Any]], settings: Settings, now_ms: int | None = None, settled_before: str | None = None
) -> Report:
    """now_ms: when the scan started (holds pending at that instant must be counted); default now.
    settled_before: check the books as of this instant (ISO), for a scan taken while traffic continues."""
    books = _Books(cutoff=settled_before)
    report = Report()
    for item in items:
        report.items += 1
        books.add(item)
    report.unsettled = books.unsettled
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
        if account.balance_minor < 0:
            report.differences.append(f"{name}: negative balance {account.balance_minor}")
        if not books.settled(key):
            continue  # written after the cutoff: its entries up to the cutoff were checked above
        if account.entries != len(entries):
            report.differences.append(f"{name}: entry count {account.entries} but {len(entries)} entries")
        if account.balance_minor != running:
            report.differences.append(f"{name}: balance {account.balance_minor} but opening + entries = {running}")


def _check_movements(books: _Books, report: Report) -> None:
    user_legs: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entries in books.entries.values():
        for entry in entries:
            user_legs[entry.transaction_id].append(entry)
    system_legs: dict[str, list[SystemEntry]] = defaultdict(list)
    for leg in books.system_entries:
        if leg.leg == "movement" or leg.leg.startswith(POSTING_LEG):
            system_legs[leg.transaction_id].append(leg)
    report.movements = len(user_legs)
    for transaction_id in sorted(set(user_legs) | set(system_legs)):
        legs, system = user_legs.get(transaction_id, []), system_legs.get(transaction_id, [])
        types = sorted(leg.type.value for leg in legs)
        if any(leg.leg.startswith(POSTING_LEG) for leg in system) or len(legs) > 2:
            report.postings += 1
            _check_postings(transaction_id, legs, system, report)
        elif types == ["transfer_in", "transfer_out"]:
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
                f"movement {transaction_id}: {types or 'no user legs'} with {counted(len(system), 'system leg')}"
            )


def _check_postings(transaction_id: str, legs: list[LedgerEntry], system: list[SystemEntry], report: Report) -> None:
    """A postings transaction: per asset, its user entries and system legs sum to zero, and every system
    leg is a counterparty its user entries name."""
    totals: dict[str, int] = defaultdict(int)
    for entry in legs:
        totals[entry.currency] += entry.type.sign * entry.amount_minor
    for leg in system:
        totals[leg.currency] += leg.amount_minor
    for currency, total in sorted(totals.items()):
        if total:
            report.differences.append(f"postings {transaction_id}: {currency} does not sum to zero ({total})")
    named = {entry.counterparty for entry in legs}
    for leg in system:
        if leg.account not in named:
            report.differences.append(f"postings {transaction_id}: {leg.account} leg has no entry naming it")


def _is_postings(record: KeyRecord) -> bool:
    return bool(json.loads(record.request).get("operation") == "postings")


def _check_openings(books: _Books, settings: Settings, report: Report) -> None:
    openings: dict[tuple[str, str], list[SystemEntry]] = defaultdict(list)
    for leg in books.system_entries:
        if leg.leg.startswith("opening:"):
            openings[(leg.user_id, leg.currency)].append(leg)
    for key in sorted(set(books.accounts) | set(openings)):
        opening = _opening(settings, key[1]) or 0
        legs = openings.get(key, [])
        if not books.settled(key) and not legs and not books.entries.get(key):
            continue  # opened after the cutoff
        expected = 1 if key in books.accounts and opening else 0
        if len(legs) != expected or any(leg.amount_minor != -opening or leg.account != TREASURY for leg in legs):
            report.differences.append(
                f"account {key[0]} {key[1]}: {counted(len(legs), 'opening leg')} from the treasury, expected {expected}"
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
    records = books.keys + books.late_keys  # a budget counts every reversal, whenever it was made
    originals = {record.entries[0].transaction_id: record for record in records if record.entries}
    for record in records:
        if record.entries and record.entries[0].reversal_of:
            original = originals.get(record.entries[0].reversal_of)
            # A postings transaction is reversed whole, once: its budget counts reversals, not an amount.
            whole = original is not None and _is_postings(original)
            reversed_by_movement[record.entries[0].reversal_of] += 1 if whole else record.entries[0].amount_minor
    settled_reversals = {record.entries[0].reversal_of for record in books.keys if record.entries}
    for movement_id in sorted(set(reversed_by_movement) | {m for m, r in originals.items() if r.reversed_minor}):
        original, moved_back = originals.get(movement_id), reversed_by_movement.get(movement_id, 0)
        if original is None:
            if movement_id in settled_reversals:  # a recent one's original may lie in a part already scanned
                report.differences.append(f"reversal of unknown movement {movement_id}")
        elif original.reversed_minor != moved_back or moved_back > (
            1 if _is_postings(original) else original.entries[0].amount_minor
        ):
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
    capture_entries.update(books.late_captures)
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


def _balance_at_cutoff(
    books: _Books, settings: Settings, key: tuple[str, str], account: Account, opened: set[tuple[str, str]]
) -> int:
    if books.settled(key):
        return account.balance_minor
    entries = books.entries.get(key)
    if entries:
        return max(entries, key=lambda entry: entry.sequence).balance_after_minor
    return (_opening(settings, key[1]) or 0) if key in opened else 0


def _check_totals(books: _Books, settings: Settings, report: Report) -> None:
    totals: dict[str, int] = {asset.code: 0 for asset in settings.assets}
    opened = {(leg.user_id, leg.currency) for leg in books.system_entries if leg.leg.startswith("opening:")}
    for key, account in books.accounts.items():
        totals[key[1]] = totals.get(key[1], 0) + _balance_at_cutoff(books, settings, key, account, opened)
    for leg in books.system_entries:
        totals[leg.currency] = totals.get(leg.currency, 0) + leg.amount_minor
    report.totals = totals
    for code, total in sorted(totals.items()):
        if total != 0:
            report.differences.append(f"asset {code}: users and system accounts sum to {total}, not 0")


def reconcile_live(
    scan: Callable[[], Iterable[dict[str, Any]]], settings: Settings, settle_ms: int = SETTLE_MS
) -> Report:
    """Reconcile while movements continue. Each pass checks the books as of SETTLE_MS before its scan
    started (a movement is all in or all out); what a scan can still catch half-written is what is current
    rather than stamped (an account's holds, a reversal budget), and that is committed by the time of a
    second pass. So a difference is reported only if the second pass finds it again, word for word."""
    first = _live_pass(scan, settings, settle_ms)
    if first.clean:
        return first
    second = _live_pass(scan, settings, settle_ms)
    second.differences = [difference for difference in second.differences if difference in first.differences]
    return second


def _live_pass(scan: Callable[[], Iterable[dict[str, Any]]], settings: Settings, settle_ms: int) -> Report:
    started_ms = int(time.time() * 1000)
    return reconcile(scan(), settings, now_ms=started_ms, settled_before=iso_timestamp(started_ms - settle_ms))


def iso_timestamp(epoch_ms: int) -> str:
    """The service's createdAt format (ISO 8601, milliseconds, Z), so stamps compare as strings."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
