"""Group commit for a hot account: its waiting movements committed together, each with its own outcome.

A balance item commits one transaction at a time (about 40 a second on AWS), so when many movements
want one account at once, racing for it makes everyone slower. Under contention a credit, debit or
transfer is queued durably on the hot account instead (wallet.repository.hot); one writer at a time, the
holder of the account's lease, commits the waiting movements in arrival order, as many per transaction as
DynamoDB allows (100 items). Each movement is planned exactly as on the direct path, against the balance
as the movements before it in the group left it: its own ledger entry with an exact balanceAfter, its own
key record (so its own event), its own decline or rate-limit refusal. Every caller waits in its own
request: it takes the lease itself when the lease is free, and otherwise reads its key record until the
writer has committed it.

Why it is safe: the movements, their key records and the queue's cursor commit in one transaction under
the balance's version and the lease's fence; a writer that dies loses nothing (the queue is durable, the
next lease holder starts from the cursor), and one whose lease was taken over can no longer commit.
"""

import json
import random
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from wallet.errors import IdempotencyKeyReused, InsufficientFunds, RateLimited, ServiceUnavailable
from wallet.models import (
    Account,
    AccountKey,
    Command,
    KeyRecord,
    LedgerEntry,
    Outcome,
    PostingsCommand,
    SystemEntry,
    TransactionCommand,
    TransferCommand,
    canonical_json,
)
from wallet.repository import AccountWrite
from wallet.repository.hot import GroupCancelled, Lease, LeaseView, Queued
from wallet.service.checks import epoch_ms, timestamp
from wallet.service.commit import Planner
from wallet.service.movements import Movements

# An account stays hot this long after a group commit that found two or more movements waiting: movements
# that read it go straight to its queue. A group of one bought nothing over the direct path, so it does not
# extend the window: a seller that conflicted once goes on committing its orders directly.
HOT_WINDOW_MS = 2000
# A writer holds the lease this long past its last commit; a writer that died is replaced after it.
LEASE_MS = 1000
# After its own movement committed, a writer goes on committing others' this long, then hands the lease
# to the caller of the oldest movement still waiting, who takes it at its next look (or anyone, after
# HANDOVER_MS).
LINGER_SECONDS = 0.2
HANDOVER_MS = 300
# DynamoDB's limit of actions per TransactWriteItems; the lease item takes one.
MAX_GROUP_ITEMS = 100
# Queue items read per group: more than a group of the smallest movements (3 items each) can hold.
MAX_GROUP_READ = 40
# How long a waiting caller first pauses between looks for its outcome (and whether the lease is free):
# about one group commit on AWS (a query and a transaction, 30-60 ms). Each look that finds it still waiting
# makes the next pause half as long again, up to POLL_MAX_SECONDS: a caller deep in a long queue looks a
# few times, not every 30 ms (on a shared CPU the looks themselves slowed the writer).
POLL_SECONDS = 0.03
POLL_MAX_SECONDS = 0.25
# Refusals and replays stay noted on the lease item this long, for their callers to read.
NOTE_KEPT_MS = 10_000


class _Fenced(Exception):
    """The lease was taken over: this writer stops committing."""


@dataclass
class _Group:
    """One attempt at a group transaction, planned movement by movement."""

    states: dict[AccountKey, Account]  # as the movements planned so far leave each account
    read: dict[AccountKey, Account]  # as read from DynamoDB: the version each balance update expects
    touched: list[AccountKey] = field(default_factory=list)
    rates: dict[AccountKey, int] = field(default_factory=dict)
    entries: list[LedgerEntry] = field(default_factory=list)
    records: list[KeyRecord] = field(default_factory=list)
    legs: list[SystemEntry] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=dict)
    replayed: list[str] = field(default_factory=list)  # queue items whose key already had its outcome
    cursor: str = ""
    items: int = 1  # the lease item

    def fits(self, more: int) -> bool:
        return self.items + more <= MAX_GROUP_ITEMS


class GroupCommit(Movements):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Accounts this execution environment saw hot, until when: their movements queue without reading
        # the balance first (the queue's writer reads it anyway).
        self._hot_until_ms: dict[AccountKey, int] = {}
        # Each hot account's lease as this environment last read it.
        self._lease_seen: dict[AccountKey, LeaseView] = {}

    def _known_hot(self, planner: Planner) -> AccountKey | None:
        hinted = [key for key in planner.account_keys if key in self._hot_until_ms] if planner.batchable else []
        if not hinted:
            return None
        now_ms = self._now_ms()
        return next((key for key in hinted if self._hot_until_ms[key] > now_ms), None)

    def _hot_account(self, planner: Planner, accounts: dict[AccountKey, Account], now: str) -> AccountKey | None:
        """The account whose queue this movement joins at once, because a group commit made it hot."""
        if not planner.batchable:
            return None
        now_ms = epoch_ms(now)
        hot = next((key for key in planner.account_keys if accounts[key].hot_until_ms > now_ms), None)
        if hot is not None:
            self._hot_until_ms[hot] = accounts[hot].hot_until_ms
        return hot

    def _queued(self, command: Command, account: AccountKey) -> tuple[KeyRecord, bool]:
        """Queue the movement on the account and wait in this request for its outcome, committing the
        queue itself whenever the lease is free. Returns the key's record and whether it is a replay."""
        request = canonical_json(self.payload(command))
        key = command.idempotent_key
        places = [self._repository.enqueue(account, key, request, self._now_ms())]
        deadline = self._monotonic() + self._retry.max_seconds
        seen = self._lease_seen.get(account)
        if seen is not None and seen.until_ms > self._now_ms():
            # Another writer held the lease past now when this environment last looked: the lease cannot be
            # free yet and the movement was queued a moment ago, so the first look waits for the first pause.
            self._pause(0)
        looks = 0
        while True:
            record, view = self._look(account, key)
            if record is None and view.cursor >= places[-1]:
                # The look reads the record and the lease in one call but not at one instant: a commit
                # that landed between the two shows as a passed cursor without the record. A second look
                # sees that commit whole.
                record, view = self._look(account, key)
            if record is not None and view.cursor >= places[-1]:  # its record and the queue's note are in
                self._hot_until_ms[account] = view.hot_until_ms  # as the last group left it
                return self._outcome(command, request, record, replayed=any(p in view.replayed for p in places))
            if places[-1] in view.refused:
                retry_after = max(1, -(-(view.refused[places[-1]] - self._now_ms()) // 1000))
                raise RateLimited(
                    "Too many movements on this account; retry later with the same idempotency key.",
                    retry_after_seconds=retry_after,
                )
            if record is None and view.cursor >= places[-1]:  # it arrived behind a passed cursor: again
                places.append(self._repository.enqueue(account, key, request, self._now_ms()))
            # Nobody writes, or the last writer handed the lease to this caller: it commits the queue itself.
            if view.until_ms < self._now_ms() or view.heir == places[-1]:
                lease = self._repository.acquire_lease(account, str(uuid.uuid4()), self._now_ms(), LEASE_MS, places[-1])
                if isinstance(lease, Lease):
                    self._lease_seen.pop(account, None)  # this caller frees or hands it on: its last view is stale
                    self._write_queue(lease, places[-1], deadline)
                    if self._monotonic() <= deadline:
                        continue  # look at once: its own movement is most likely committed now
            if self._monotonic() > deadline:
                raise ServiceUnavailable("The account is under heavy contention; retry with the same idempotency key.")
            self._pause(looks)
            looks += 1

    def _pause(self, looks: int) -> None:
        """Wait about one group commit, longer after each look that found the movement still waiting
        (jittered, so waiting callers do not look in step)."""
        self._sleep(random.uniform(0.75, 1.0) * min(POLL_MAX_SECONDS, POLL_SECONDS * 1.5**looks))

    def _look(self, account: AccountKey, key: str) -> tuple[KeyRecord | None, LeaseView]:
        try:
            record, view = self._repository.look(account, key)
        except ServiceUnavailable:  # reads throttled for a moment: look again after the pause
            return None, LeaseView(until_ms=self._now_ms() + LEASE_MS)
        self._lease_seen[account] = view
        return record, view

    def _outcome(self, command: Command, request: str, record: KeyRecord, replayed: bool) -> tuple[KeyRecord, bool]:
        """The answer for a movement whose record a group commit wrote (or found written) while it waited."""
        if record.request != request:
            raise IdempotencyKeyReused("This idempotency key was already used with a different request.")
        if record.outcome is Outcome.DECLINED:
            raise InsufficientFunds(self._decline_message(command), replayed=replayed)
        return record, replayed

    def _write_queue(self, lease: Lease, own_place: str, deadline: float) -> None:
        """Commit the account's queue group by group while holding the lease: until this caller's own
        movement is committed and a little longer (others are waiting too), then hand the lease over."""
        own_done_at: float | None = None
        known: dict[AccountKey, Account] = {}  # balances as this writer's last commit left them
        heir = None
        try:
            while self._monotonic() < deadline:
                waiting = self._repository.waiting(lease, MAX_GROUP_READ)
                if not waiting:
                    break
                lease = self._commit_group(lease, waiting, deadline, known)
                if own_done_at is None and lease.cursor >= own_place:
                    own_done_at = self._monotonic()
                if own_done_at is not None and self._monotonic() - own_done_at > LINGER_SECONDS:
                    heir = next((queued.sk for queued in waiting if queued.sk > lease.cursor), None)
                    break
        except _Fenced:
            return  # the lease is someone else's now
        except ServiceUnavailable:
            pass  # the callers still waiting time out the same way
        self._repository.release_lease(lease, heir, self._now_ms() + HANDOVER_MS)

    def _commit_group(
        self, lease: Lease, waiting: list[Queued], deadline: float, known: dict[AccountKey, Account]
    ) -> Lease:
        """Plan and commit one group from the head of the queue; returns the lease as committed. `known`
        holds the balances this writer's previous group left (read again only when they moved since)."""
        movements = [
            (queued, command, self.planner_of(command))
            for queued in waiting
            for command in [self.movement_command(json.loads(queued.request))]
        ]
        keys = list(dict.fromkeys(key for _, _, planner in movements for key in planner.account_keys))
        unknown = [key for key in keys if key not in known]
        read = {**{key: known[key] for key in keys if key in known}, **(self._accounts(unknown) if unknown else {})}
        settled: set[str] = set()  # keys found to have an outcome already: their callers read it
        attempt = 0
        while True:
            group = self._plan_group(lease, movements, read, settled)
            now_ms = self._now_ms()
            hot_until_ms = now_ms + HOT_WINDOW_MS if len(waiting) >= 2 else lease.hot_until_ms
            committed = replace(
                lease,
                cursor=group.cursor,
                until_ms=now_ms + LEASE_MS,
                hot_until_ms=hot_until_ms,
                refused={**_recent(lease.refused, now_ms), **group.refused},
                replayed={**_recent(lease.replayed, now_ms), **dict.fromkeys(group.replayed, now_ms)},
            )
            writes = [self._group_write(group, key, lease.account, hot_until_ms) for key in group.touched]
            try:
                self._repository.commit_group(committed, writes, group.entries, group.records, group.legs)
            except GroupCancelled as cancelled:
                if cancelled.fenced:
                    raise _Fenced() from None
                settled |= set(cancelled.used)
                fresh = {key: state for key, state in cancelled.stale.items() if state is not None}
                read.update(fresh)
                if cancelled.contention or len(fresh) < len(cancelled.stale):
                    attempt += 1
                    if self._monotonic() > deadline:
                        raise ServiceUnavailable(
                            "The account is under heavy contention; retry with the same key."
                        ) from None
                    self._sleep(self._retry.delay(attempt))
                    read = self._accounts(keys)
                continue
            for write in writes:  # as committed: the next group of this writer needs no read
                known[write.key] = replace(
                    group.states[write.key],
                    version=write.account.version + 1,
                    hot_until_ms=write.account.hot_until_ms if write.hot_until_ms is None else write.hot_until_ms,
                )
            self._hot_until_ms[lease.account] = hot_until_ms
            return committed

    def _plan_group(
        self,
        lease: Lease,
        movements: list[tuple[Queued, TransactionCommand | TransferCommand | PostingsCommand, Planner]],
        read: dict[AccountKey, Account],
        settled: set[str],
    ) -> _Group:
        """Each queued movement in order, planned against the accounts as the ones before it left them."""
        group = _Group(states=dict(read), read=read, cursor=lease.cursor)
        seen: set[str] = set()
        for queued, command, planner in movements:
            if command.idempotent_key in settled or command.idempotent_key in seen:
                group.replayed.append(queued.sk)  # its outcome exists (or comes with this group): a replay
                group.cursor = queued.sk
                continue
            accounts = {key: group.states[key] for key in planner.account_keys}
            now = max(timestamp(self._clock()), *(account.updated_at for account in accounts.values()))
            try:
                rates = self._admit(planner.limited, accounts, now)
            except RateLimited as limited:
                group.refused[queued.sk] = epoch_ms(now) + limited.retry_after_seconds * 1000
                group.cursor = queued.sk
                continue
            plan = planner.plan(accounts, str(uuid.uuid4()), now)
            request = queued.request  # the command's canonical request, as its caller queued it
            if plan is None:
                if not group.fits(1):
                    break
                because = planner.declined_message(accounts, now) if planner.declined_message else None
                group.records.append(
                    KeyRecord(command.idempotent_key, request, Outcome.DECLINED, now, declined_because=because)
                )
                group.items += 1
            else:
                entries = plan.entries
                new_accounts = [write.key for write in plan.writes if write.key not in group.touched]
                if not group.fits(1 + len(entries) + len(plan.system_entries) + len(new_accounts)):
                    break
                for write in plan.writes:
                    group.states[write.key] = _after(write.account, write)
                for limited_key, rate in rates.items():
                    group.rates[limited_key] = rate
                    group.states[limited_key] = replace(group.states[limited_key], rate_tat_us=rate)
                group.touched += new_accounts
                group.entries += entries
                group.legs += plan.system_entries
                group.records.append(KeyRecord(command.idempotent_key, request, Outcome.APPLIED, now, entries))
                group.items += 1 + len(entries) + len(plan.system_entries) + len(new_accounts)
            seen.add(command.idempotent_key)
            group.cursor = queued.sk
        return group

    def _group_write(self, group: _Group, key: AccountKey, hot: AccountKey, hot_until_ms: int) -> AccountWrite:
        """One balance update for everything the group did to an account: its final state, expected at the
        version read. The hot account stays hot a while, so its next movements queue at once."""
        read, final = group.read[key], group.states[key]
        return AccountWrite(
            read,
            final.balance_minor,
            final.updated_at,
            holds=final.holds if final.holds != read.holds else None,
            rate_tat_us=group.rates.get(key),
            entry_count=final.entries,
            hot_until_ms=hot_until_ms if key == hot else None,
            head_hash=final.head_hash if final.head_hash != read.head_hash else None,
        )

    def _now_ms(self) -> int:
        return epoch_ms(timestamp(self._clock()))


def _after(account: Account, write: AccountWrite) -> Account:
    """The account as it reads once `write` has been applied to it."""
    return replace(
        account,
        balance_minor=write.balance_minor,
        version=account.version + 1,
        updated_at=write.updated_at,
        entry_count=account.entries + len(write.entries),
        holds=write.holds if write.holds is not None else account.holds,
        head_hash=write.head_hash or (write.entry.hash if write.entry else account.head_hash),  # arrival order
    )


def _recent(notes: dict[str, int], now_ms: int) -> dict[str, int]:
    """The notes for callers (queue item -> epoch ms) that are still worth keeping."""
    return {sk: at for sk, at in notes.items() if at > now_ms - NOTE_KEPT_MS}
