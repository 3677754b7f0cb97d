"""Verification of the ledger's history: every chain recomputed, every balance and system leg against the
entries it mirrors, every head against the latest anchored digest.

`make reconcile` checks that the books add up; this checks that nobody rewrote them. A rewrite that keeps
the books balanced (an entry changed with every item that mirrors it, hashes recomputed) still changes
the hash of the rewritten entry and of every entry after it, so the account's head no longer matches the
digest anchored before the rewrite. Run it on a table at rest (or accept findings on movements committed
during the scan). No AWS here: the caller feeds it the table's items.
"""

import gc
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from wallet.chain import GENESIS_HASH, Digest, hash_fields, start_hash
from wallet.models import EntryType
from wallet.money import format_amount
from wallet.service import SYSTEM_BUCKETS
from wallet.wording import counted

_SIGN = {entry_type.value: entry_type.sign for entry_type in EntryType}
_SYSTEM_SIDED = (EntryType.CREDIT.value, EntryType.DEBIT.value)  # the other side is a system account
_OPENING = "opening:"
_BALANCES_PER_READ = 100  # one BatchGetItem
# What verification reads of legs and balances, and nothing more (measured on DynamoDB Local: a third less of
# its CPU for the legs; entries are read whole, where a projection of most of their attributes costs more).
_LEG_ATTRIBUTES = ("PK", "SK", "account", "currency", "amountMinor", "transactionId", "leg", "userId")
_BALANCE_ATTRIBUTES = ("PK", "SK", "balanceMinor", "version", "entryCount", "headHash")


@dataclass(frozen=True)
class Finding:
    user_id: str
    currency: str
    sequence: int | None
    transaction_id: str | None
    problem: str

    def __str__(self) -> str:
        sequence = "-" if self.sequence is None else str(self.sequence)
        return (
            f"account {self.user_id}, asset {self.currency}, sequence {sequence}, "
            f"transaction {self.transaction_id or '-'}: {self.problem}"
        )


@dataclass
class _Entry:
    """What verification needs of a ledger entry (parsed once, straight from the item)."""

    fields: dict[str, Any]  # the hashed fields, as the API shows them
    signed_minor: int
    balance_after_minor: int
    previous_hash: str | None
    hash: str | None
    sequence: int  # where it is stored (its sort key)

    @property
    def transaction_id(self) -> str:
        return str(self.fields["transactionId"])


@dataclass
class _Balance:
    balance_minor: int
    entries: int
    head_hash: str | None


@dataclass
class _Leg:
    account: str
    currency: str
    amount_minor: int
    transaction_id: str
    leg: str
    user_id: str


@dataclass
class VerifyReport:
    accounts: int = 0
    entries: int = 0
    system_legs: int = 0
    seconds: float = 0.0
    digest: Digest | None = None
    findings: list[Finding] = field(default_factory=list)
    receipt: str | None = None  # what --receipt found, in words
    receipt_found: bool = False

    @property
    def clean(self) -> bool:
        return not self.findings

    @property
    def entries_per_second(self) -> float:
        return self.entries / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"accounts: {self.accounts}, ledger entries: {self.entries}, system legs: {self.system_legs}, "
            f"{self.seconds:.2f} s ({self.entries_per_second:,.0f} entries/s)",
            (
                f"digest of {self.digest.created_at}: {counted(len(self.digest.heads), 'head')}, "
                f"root {self.digest.root}"
                if self.digest
                else "no anchored digest yet: chains checked, heads not (make digest anchors one)"
            ),
        ]
        if self.receipt is not None:
            lines.append(self.receipt)
        lines += [f"FINDING: {finding}" for finding in self.findings]
        lines.append("history verified" if self.clean else counted(len(self.findings), "finding"))
        return "\n".join(lines)


class LedgerVerifier:
    """Feed it every item of the Wallet table (add), then finish()."""

    def __init__(self, scales: dict[str, int], digest: Digest | None = None):
        self._scales = scales
        self._digest = digest
        self._entries: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        self._balances: dict[tuple[str, str], _Balance] = {}
        self._legs: list[_Leg] = []
        self._unreadable: list[str] = []
        self._started = time.monotonic()

    def add(self, item: dict[str, Any]) -> None:
        try:
            pk, sk = item["PK"]["S"], item["SK"]["S"]
            if pk.startswith("USER#") and sk.startswith("LEDGER#"):
                self._add_entry(item)
            elif pk.startswith("USER#") and sk.startswith("BALANCE#"):
                self._balances[(pk[5:], sk[8:])] = _Balance(
                    int(item["balanceMinor"]["N"]),
                    int(item.get("entryCount", item["version"])["N"]),
                    item["headHash"]["S"] if "headHash" in item else None,
                )
            elif pk.startswith("SYSTEM#") and sk.startswith("ENTRY#"):
                self._legs.append(
                    _Leg(
                        item["account"]["S"],
                        item["currency"]["S"],
                        int(item["amountMinor"]["N"]),
                        item["transactionId"]["S"],
                        item["leg"]["S"],
                        item["userId"]["S"],
                    )
                )
        except (KeyError, ValueError, TypeError):
            self._unreadable.append(f"{item.get('PK', {}).get('S')} / {item.get('SK', {}).get('S')}")

    def _add_entry(self, item: dict[str, Any]) -> None:
        scale = int(item["scale"]["N"])
        kind = item["type"]["S"]
        amount = int(item["amountMinor"]["N"])
        balance_after = int(item["balanceAfterMinor"]["N"])

        def text(name: str) -> str | None:
            return item[name]["S"] if name in item else None

        metadata = item.get("metadata")
        fields = {
            "transactionId": item["transactionId"]["S"],
            "idempotentKey": item["idempotentKey"]["S"],
            "userId": item["userId"]["S"],
            "currency": item["currency"]["S"],
            "type": kind,
            "amount": format_amount(amount, scale),
            "balanceAfter": format_amount(balance_after, scale),
            "sequence": int(item["sequence"]["N"]),
            "createdAt": item["createdAt"]["S"],
            "counterparty": item["counterparty"]["S"],
            "transferId": text("transferId"),
            "reversalOf": text("reversalOf"),
            "holdId": text("holdId"),
            "description": text("description"),
            "metadata": {name: value["S"] for name, value in metadata["M"].items()} if metadata else None,
        }
        stored = int(item["SK"]["S"].rsplit("#", 1)[1])
        self._entries[(fields["userId"], fields["currency"])].append(
            _Entry(fields, _SIGN[kind] * amount, balance_after, text("previousHash"), text("hash"), stored)
        )

    # ------------------------------------------------------------ checks

    def finish(self, receipt: str | None = None) -> VerifyReport:
        report = VerifyReport(digest=self._digest)
        findings = report.findings
        for unreadable in self._unreadable:
            findings.append(Finding("-", "-", None, None, f"item unreadable: {unreadable}"))
        chains: dict[tuple[str, str], dict[int, str]] = {}  # account -> sequence -> the hash it verified to
        openings: dict[tuple[str, str], int] = {}  # account -> its balance before its first entry
        for key in sorted(set(self._entries) | set(self._balances)):
            entries = sorted(self._entries.get(key, []), key=lambda entry: entry.sequence)
            report.accounts += 1
            report.entries += len(entries)
            chains[key], opening, unchained = self._check_account(key, entries, findings)
            if opening is not None:
                openings[key] = opening
            if unchained:
                findings.append(
                    Finding(*key, None, None, "no hash chain yet: `make chain` (or its next movement) starts it")
                )
        report.system_legs = len(self._legs)
        self._check_legs(openings, findings)
        if self._digest is not None:
            self._check_digest(self._digest, chains, findings)
        if receipt is not None:
            self._find_receipt(receipt, report)
        report.seconds = time.monotonic() - self._started
        return report

    def _check_account(
        self, key: tuple[str, str], entries: list[_Entry], findings: list[Finding]
    ) -> tuple[dict[int, str], int | None, bool]:
        """The account's chain recomputed: the hash each sequence verified to (an unchained prefix maps to
        the start hash its chain continues from), its opening balance, and whether it has no chain yet."""
        user, currency = key

        def finding(entry: _Entry | None, problem: str, sequence: int | None = None) -> None:
            findings.append(
                Finding(
                    user,
                    currency,
                    entry.sequence if entry else sequence,
                    entry.transaction_id if entry else None,
                    problem,
                )
            )

        verified: dict[int, str] = {}
        previous: _Entry | None = None
        expected_previous = GENESIS_HASH
        opening = entries[0].balance_after_minor - entries[0].signed_minor if entries else None
        running = opening
        chained_from: int | None = None  # the first chained entry's sequence
        for position, entry in enumerate(entries, start=1):
            if entry.sequence != position and (previous is None or entry.sequence != previous.sequence + 1):
                first_missing = previous.sequence + 1 if previous else 1
                last_missing = entry.sequence - 1
                missing = (
                    f"entry {first_missing}"
                    if first_missing == last_missing
                    else f"entries {first_missing} to {last_missing}"
                )
                finding(None, f"{missing} missing", first_missing)
            if running is not None and entry.balance_after_minor != running + entry.signed_minor:
                finding(entry, "balanceAfter does not follow from the entry before it and its amount")
            running = entry.balance_after_minor
            if entry.fields["sequence"] != entry.sequence:
                finding(entry, f"entry stored as sequence {entry.sequence} says it is {entry.fields['sequence']}")
            if entry.hash is None:
                if chained_from is not None:
                    finding(entry, "entry without a hash inside the chain")
                else:
                    scale = self._scales.get(currency)
                    balance_text = format_amount(entry.balance_after_minor, scale) if scale is not None else ""
                    expected_previous = start_hash(user, currency, entry.sequence, balance_text)
                    verified[entry.sequence] = expected_previous
                previous = entry
                continue
            if chained_from is None:
                chained_from = entry.sequence
            recomputed = hash_fields(entry.fields, entry.previous_hash or "")
            if recomputed != entry.hash:
                finding(entry, "entry altered: its hash does not match its fields")
            if entry.previous_hash != expected_previous:
                finding(entry, "chain broken: previousHash is not the hash of the entry before it")
            verified[entry.sequence] = entry.hash
            expected_previous = entry.hash
            previous = entry
        balance = self._balances.get(key)
        if balance is None:
            if entries:
                finding(entries[-1], "ledger entries without a balance item")
            return verified, opening, False
        last = entries[-1] if entries else None
        if last is not None and balance.balance_minor != last.balance_after_minor:
            finding(last, "balance differs from the last entry's balanceAfter")
        if balance.entries != (last.sequence if last else 0):
            finding(
                last,
                f"balance item counts {balance.entries} entries, the ledger ends at {last.sequence if last else 0}",
            )
        unchained = last is not None and chained_from is None
        head_expected = expected_previous if last is not None else None
        if balance.head_hash is None:
            if chained_from is not None:
                finding(last, "balance item has no chain head but its entries are chained")
        elif balance.head_hash != head_expected:
            finding(last, "chain head on the balance item differs from the last entry's hash")
        elif unchained:
            unchained = False  # `make chain` started its chain from its current state
        return verified, opening, unchained

    def _check_legs(self, openings: dict[tuple[str, str], int], findings: list[Finding]) -> None:
        """Each system leg against the user entries of its movement, each opening leg against the account's
        opening balance: a system leg is bound to the chained entries it mirrors."""
        by_movement: dict[str, list[tuple[str, str, _Entry]]] = defaultdict(list)
        for (user, currency), entries in self._entries.items():
            for entry in entries:
                by_movement[entry.transaction_id].append((user, currency, entry))
        legs: dict[str, list[_Leg]] = defaultdict(list)
        opening_legs: dict[tuple[str, str], list[_Leg]] = defaultdict(list)
        for leg in self._legs:
            if leg.leg.startswith(_OPENING):
                opening_legs[(leg.user_id, leg.currency)].append(leg)
            else:
                legs[leg.transaction_id].append(leg)
        for transaction_id, sides in by_movement.items():
            self._check_movement(transaction_id, sides, legs.pop(transaction_id, []), findings)
        for transaction_id, movement_legs in legs.items():  # legs whose movement has no entry
            for leg in movement_legs:
                findings.append(
                    Finding(leg.user_id, leg.currency, None, transaction_id, f"{leg.account} leg without a movement")
                )
        for key in sorted(set(opening_legs) | {key for key, value in openings.items() if value}):
            user, currency = key
            found = opening_legs.get(key, [])
            balance = self._balances.get(key)
            opening = openings.get(key, balance.balance_minor if balance else 0)
            issued = -sum(leg.amount_minor for leg in found)
            if issued != opening:
                transaction = found[0].transaction_id if found else None
                findings.append(
                    Finding(
                        user, currency, 1, transaction, f"opening leg issued {issued}, the chain opens at {opening}"
                    )
                )

    @staticmethod
    def _check_movement(
        transaction_id: str, sides: list[tuple[str, str, _Entry]], legs: list[_Leg], findings: list[Finding]
    ) -> None:
        """A movement's system legs offset its user entries exactly, per asset, and each names an account the
        entries name as their counterparty."""
        if len(sides) == 1 and len(legs) == 1:  # a credit or debit: the common case, checked without sorting
            user, currency, entry = sides[0]
            leg = legs[0]
            if leg.currency == currency and leg.amount_minor + entry.signed_minor == 0:
                if leg.account != entry.fields["counterparty"]:
                    findings.append(
                        Finding(
                            user, currency, entry.sequence, transaction_id, f"{leg.account} leg is not a side of it"
                        )
                    )
                return
        sides = sorted(sides, key=lambda side: (side[0], side[1], side[2].sequence))
        user, currency, first = sides[0]
        totals: dict[str, int] = defaultdict(int)
        for _, side_currency, entry in sides:
            totals[side_currency] += entry.signed_minor
        counterparties = {entry.fields["counterparty"] for _, _, entry in sides}
        for leg in legs:
            totals[leg.currency] += leg.amount_minor
            if leg.account not in counterparties:
                findings.append(
                    Finding(user, currency, first.sequence, transaction_id, f"{leg.account} leg is not a side of it")
                )
        for side_currency, total in sorted(totals.items()):
            if total != 0:
                findings.append(
                    Finding(
                        user,
                        side_currency,
                        first.sequence,
                        transaction_id,
                        f"its system legs do not mirror its entries (off by {total} minor units)",
                    )
                )

    def _check_digest(
        self, digest: Digest, chains: dict[tuple[str, str], dict[int, str]], findings: list[Finding]
    ) -> None:
        for head in digest.heads:
            key = (head.user_id, head.currency)
            found = chains.get(key, {}).get(head.sequence)
            if found is None:
                findings.append(
                    Finding(
                        *key, head.sequence, None, f"the digest of {digest.created_at} anchors an entry that is gone"
                    )
                )
            elif found != head.hash:
                transaction = self._transaction_at(key, head.sequence)
                findings.append(
                    Finding(
                        *key,
                        head.sequence,
                        transaction,
                        f"history rewritten: the chain no longer reaches the head anchored by the digest of "
                        f"{digest.created_at}",
                    )
                )

    def _transaction_at(self, key: tuple[str, str], sequence: int) -> str | None:
        for entry in self._entries.get(key, []):
            if entry.sequence == sequence:
                return entry.transaction_id
        return None

    def _find_receipt(self, receipt: str, report: VerifyReport) -> None:
        for key, entries in self._entries.items():
            for entry in entries:
                if entry.hash != receipt:
                    continue
                user, currency = key
                last = max(item.sequence for item in entries)
                broken = [finding for finding in report.findings if (finding.user_id, finding.currency) == key]
                where = (
                    f"account {user}, asset {currency}, sequence {entry.sequence}, transaction {entry.transaction_id}"
                )
                if broken:
                    report.receipt = f"receipt {receipt}: found at {where}, but its chain has findings (below)"
                    return
                anchored = ""
                if report.digest is not None:
                    head = next((h for h in report.digest.heads if (h.user_id, h.currency) == key), None)
                    if head is not None and head.sequence >= entry.sequence:
                        anchored = f", anchored by the digest of {report.digest.created_at}"
                report.receipt = f"receipt {receipt}: in its chain at {where} (chain verified to {last}{anchored})"
                report.receipt_found = True
                return
        report.receipt = f"receipt {receipt}: no ledger entry has this hash"


def _system_partitions(accounts: set[str], currencies: set[str]) -> list[tuple[str, str, int]]:
    return [
        (account, currency, bucket)
        for account in sorted(accounts)
        for currency in sorted(currencies)
        for bucket in range(SYSTEM_BUCKETS)
    ]


def verify_ledger(
    repository: Any, settings: Any, digest: Digest | None, receipt: str | None = None, segments: int = 16
) -> VerifyReport:
    """Reads what verification needs and nothing else, and verifies it against the digest given: every ledger
    entry (a parallel scan of the ByTime index, which holds entries and holds only), every system leg (one query
    per system account, asset and bucket), and the balance item of every account that has an entry or an
    opening leg (BatchGetItem). Key records, holds and queue items are never read."""
    verifier = LedgerVerifier({asset.code: asset.scale for asset in settings.assets}, digest)
    # The reads build hundreds of thousands of objects that hold no cycles; the cyclic collector would walk
    # them all again and again (measured: half the time of a 40,000-item verification).
    collecting = gc.isenabled()
    gc.disable()
    try:
        accounts: set[tuple[str, str]] = set()
        system_accounts = set(settings.system_accounts)
        currencies = {asset.code for asset in settings.assets}

        def legs_of(partition: tuple[str, str, int]) -> list[dict[str, Any]]:
            return list(repository.system_leg_items(*partition, attributes=_LEG_ATTRIBUTES))

        with ThreadPoolExecutor(max_workers=SYSTEM_BUCKETS, thread_name_prefix="reads") as pool:
            # The configured system accounts' legs, and the balances of the accounts found so far, are read
            # while the entries are scanned.
            partitions = _system_partitions(system_accounts, currencies)
            reads = [pool.submit(legs_of, partition) for partition in partitions]
            unread: list[tuple[str, str]] = []  # accounts found whose balance is not asked for yet

            def account_found(account: tuple[str, str]) -> None:
                if account not in accounts:
                    accounts.add(account)
                    unread.append(account)
                    if len(unread) == _BALANCES_PER_READ:
                        reads.append(pool.submit(repository.balance_items_of, unread.copy(), _BALANCE_ATTRIBUTES))
                        unread.clear()

            for item in repository.ledger_entry_items(segments):
                verifier.add(item)
                account_found((item["userId"]["S"], item["currency"]["S"]))
                if item["type"]["S"] in _SYSTEM_SIDED:  # its counterparty is a system account, configured or not
                    system_accounts.add(item["counterparty"]["S"])
            currencies |= {currency for _, currency in accounts}
            more = set(_system_partitions(system_accounts, currencies)) - set(partitions)
            reads += [pool.submit(legs_of, partition) for partition in sorted(more)]
            done = 0
            while done < len(reads):  # reads grow while legs name accounts with an opening balance only
                for item in reads[done].result():
                    verifier.add(item)
                    if "leg" in item and item["leg"]["S"].startswith(_OPENING):
                        account_found((item["userId"]["S"], item["currency"]["S"]))
                done += 1
                if done == len(reads) and unread:
                    reads.append(pool.submit(repository.balance_items_of, unread.copy(), _BALANCE_ATTRIBUTES))
                    unread.clear()
        return verifier.finish(receipt)
    finally:
        if collecting:
            gc.enable()
