"""The one commit loop: plan a movement against the balances read, commit it in one transaction,
retry lost races until the deadline; and what a movement answers."""

import random
import time
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, overload

from wallet.chain import chained, previous_hash
from wallet.errors import (
    IdempotencyKeyReused,
    InsufficientFunds,
    RateLimited,
    ServiceUnavailable,
)
from wallet.models import (
    Account,
    AccountKey,
    CaptureCommand,
    Command,
    EntryType,
    ExpireCommand,
    Hold,
    HoldCommand,
    HoldResult,
    KeyRecord,
    LedgerEntry,
    Outcome,
    PostingsCommand,
    PostingsResult,
    ReversalCommand,
    ReversalResult,
    SystemEntry,
    TransactionCommand,
    TransactionResult,
    TransferCommand,
    TransferResult,
    VoidCommand,
    canonical_json,
)
from wallet.money import format_amount
from wallet.repository import (
    AccountWrite,
    HoldEnding,
    KeyAlreadyUsed,
    ReversalBudget,
    StaleAccount,
    WalletRepository,
    WriteContention,
)
from wallet.service.checks import (
    epoch_ms,
    timestamp,
    utc_now,
)
from wallet.settings import TREASURY, Asset, Settings

# Each system account's legs of one asset are spread over this many partitions so that no partition
# takes more than DynamoDB's 1,000 write units a second; reads sum every bucket. Only ever grow it.
SYSTEM_BUCKETS = 8
# A bucket folds only entries older than this, so no transaction still in flight (Lambda timeout 10 s

# Keys the service writes for itself start with a control character: client keys are printable ASCII only.
SYSTEM_KEY_MARK = "\x1f"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded, jittered retries for writes that lost a race (stale balance, TransactionConflict).

    Bounded by time rather than a count: under contention on one user every lost race means another
    movement committed, so waiting a little longer is better than failing; 6 s stays inside the
    10 s Lambda timeout. Tuned through the contention simulator (bench): what bounds one account is its
    balance item committing one transaction at a time, so after a wait the service reads again rather
    than attempting with stale state (a doomed transaction holds the item against everyone); caps from
    150 ms to 1 s and bases from 10 to 30 ms changed throughput by less than the run-to-run noise."""

    max_seconds: float = 6.0
    # Measured on one hot user (bench): a 50 ms cap let 8 writers collide so often that throughput fell
    # to a third of what a 500 ms cap gives; the cap is only reached after several lost races.
    base_delay_seconds: float = 0.01
    max_delay_seconds: float = 0.5

    def delay(self, attempt: int) -> float:
        """Full jitter: a random wait up to an exponentially growing, capped bound."""
        return random.uniform(0, min(self.max_delay_seconds, self.base_delay_seconds * 2 ** min(attempt, 16)))


@dataclass(frozen=True)
class Plan:
    """What one attempt at a movement writes."""

    writes: tuple[AccountWrite, ...]
    system_entries: tuple[SystemEntry, ...] = field(default=())
    budget: ReversalBudget | None = None
    new_hold: Hold | None = None
    hold_ending: HoldEnding | None = None
    answer_hold: Hold | None = None  # what the key's record answers for a hold operation

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        return tuple(entry for write in self.writes for entry in write.entries)


PlanFunction = Callable[[dict[AccountKey, Account], str, str], "Plan | None"]


@dataclass(frozen=True)
class Planner:
    """The accounts a movement reads, how it plans an attempt from them, and the accounts whose rate limit
    it counts against (the one the movement is made for: a credit's or debit's user, a transfer's payer,
    a hold's user, each payer of a postings transaction; none for the service's own movements).
    batchable: a plain credit, debit, transfer or postings transaction, which may join a hot account's
    group commit (see group_commit.py)."""

    account_keys: list[AccountKey]
    plan: PlanFunction
    limited: tuple[AccountKey, ...]
    batchable: bool = False
    # Why a decline is one, from the balances read (default: the command's own message).
    declined_message: Callable[[dict[AccountKey, Account], str], str] | None = None


MovementResult = TransactionResult | TransferResult | ReversalResult | HoldResult | PostingsResult
# One more item for a movement's transaction, given the answer its commit would give (wallet.repository
# writes it as given): the HTTP layer's response cache, so the answer is stored with the movement.
AlsoWrite = Callable[[MovementResult], dict[str, Any]]


class MovementCommitter:
    def __init__(
        self,
        repository: WalletRepository,
        settings: Settings,
        retry: RetryPolicy = RetryPolicy(),
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._repository = repository
        self._settings = settings
        self._retry = retry
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic

    @property
    def repository(self) -> WalletRepository:
        return self._repository

    def payload(self, command: Command) -> dict[str, Any]:
        """The command as JSON-ready strings with every default applied: what a key is compared on."""
        if isinstance(command, ReversalCommand):
            return {
                "operation": command.operation,
                "idempotentKey": command.idempotent_key,
                "transactionId": command.transaction_id,
                "amount": command.amount,
                "description": command.description,
            }
        if isinstance(command, CaptureCommand):
            return {
                "operation": command.operation,
                "idempotentKey": command.idempotent_key,
                "holdId": command.hold_id,
                "amount": command.amount,
                "counterparty": command.counterparty,
                "toUserId": command.to_user_id,
            }
        if isinstance(command, (VoidCommand, ExpireCommand)):
            return {"operation": command.operation, "idempotentKey": command.idempotent_key, "holdId": command.hold_id}
        if isinstance(command, PostingsCommand):
            return {
                "operation": command.operation,
                "idempotentKey": command.idempotent_key,
                "postings": [
                    posting.to_json(self._settings.asset(posting.currency).scale) for posting in command.postings
                ],
                "description": command.description,
                "metadata": command.metadata,
            }
        if isinstance(command, HoldCommand):
            return {
                "operation": command.operation,
                "idempotentKey": command.idempotent_key,
                "userId": command.user_id,
                "amount": format_amount(command.amount_minor, self._settings.asset(command.currency).scale),
                "currency": command.currency,
                "expiresInSeconds": command.expires_in_seconds,
                "description": command.description,
                "metadata": command.metadata,
            }
        amount = format_amount(command.amount_minor, self._settings.asset(command.currency).scale)
        common = {
            "operation": command.operation,
            "idempotentKey": command.idempotent_key,
            "amount": amount,
            "currency": command.currency,
            "description": command.description,
            "metadata": command.metadata,
        }
        if isinstance(command, TransactionCommand):
            return {
                **common,
                "userId": command.user_id,
                "type": command.type.value,
                "counterparty": command.counterparty,
            }
        return {**common, "fromUserId": command.from_user_id, "toUserId": command.to_user_id}

    def _commit(
        self,
        command: Command,
        planner: Planner,
        decline_message: str | None = None,
        also_write: AlsoWrite | None = None,
    ) -> tuple[KeyRecord, bool]:
        """Plan against the balances read, commit, and retry lost races until the deadline.

        Returns the key's record (written now, or first written for the key) and whether this was a replay."""
        account_keys, plan = planner.account_keys, planner.plan
        known_hot = self._known_hot(planner)
        if known_hot is not None:  # this environment saw the account hot a moment ago: no read needed
            return self._queued(command, known_hot)
        request = canonical_json(self.payload(command))
        accounts = self._accounts(account_keys)
        deadline = self._monotonic() + self._retry.max_seconds
        attempt = 0
        fresh = True  # the state in hand came straight from DynamoDB: use it at once
        while True:
            # Never earlier than an account's last entry: an account's entries are in time order too.
            now = max(timestamp(self._clock()), *(accounts[key].updated_at for key in account_keys))
            hot = self._hot_account(planner, accounts, now)
            if hot is not None:
                return self._queued(command, hot)
            try:
                rates = self._admit(planner.limited, accounts, now)
            except RateLimited:  # a key that already has its answer is replayed, never limited
                earlier = self._repository.get_key_record(command.idempotent_key)
                if earlier is None:
                    raise
                return self._replay(command, request, earlier)
            attempt_plan = plan(accounts, str(uuid.uuid4()), now)
            if attempt_plan is None:
                if decline_message is None and planner.declined_message is not None:
                    because = planner.declined_message(accounts, now)
                    return self._decline(command, request, now, because, remembered=True)
                return self._decline(command, request, now, decline_message or self._decline_message(command))
            entries = attempt_plan.entries
            record = KeyRecord(
                command.idempotent_key, request, Outcome.APPLIED, now, entries, hold=attempt_plan.answer_hold
            )
            writes = tuple(
                replace(write, rate_tat_us=rates[write.key]) if write.key in rates else write
                for write in attempt_plan.writes
            )
            extra = (also_write(result_of(command, record, False)),) if also_write else ()
            try:
                self._repository.commit(
                    record,
                    writes,
                    attempt_plan.system_entries,
                    attempt_plan.budget,
                    attempt_plan.new_hold,
                    attempt_plan.hold_ending,
                    extra,
                )
                return record, False
            except KeyAlreadyUsed as used:
                return self._replay(command, request, used.record)
            except StaleAccount as stale:  # another movement won; its state came back with the failure
                crowded = (
                    [key for key, now_at in stale.current.items() if _overtaken(accounts[key], now_at)]
                    if planner.batchable
                    else []
                )
                if fresh and not crowded and all(current is not None for current in stale.current.values()):
                    accounts.update(stale.current)  # type: ignore[arg-type]
                    fresh = False
                    continue  # retry at once: waiting would only let the state go stale again
                contended: Sequence[AccountKey] = crowded or list(stale.current)
            except WriteContention as contention:
                contended = contention.accounts
            # Lost twice in a row, to a transaction in flight, or to two or more commits that landed between
            # its read and its write: the account is contended. A movement that can join a group
            # commit queues there rather than race again.
            if planner.batchable and contended:
                return self._queued(command, contended[0])
            # Lost twice in a row, or DynamoDB pushed back: wait (full jitter), then read again. An attempt
            # with state that went stale while waiting would fail anyway, and while in flight it would hold
            # the hot item against everyone else's attempts; a read holds nothing.
            attempt += 1
            delay = self._retry.delay(attempt)
            if self._monotonic() + delay > deadline:
                break
            self._sleep(delay)
            accounts = self._accounts(account_keys)
            fresh = True
        raise ServiceUnavailable("The balance is under heavy contention; retry with the same idempotency key.")

    # Group commit (group_commit.py) overrides these: which account's queue a movement joins at once
    # (known hot before reading, or hot as read), and how a queued movement is committed and answered.

    def _known_hot(self, planner: Planner) -> AccountKey | None:
        return None

    def _hot_account(self, planner: Planner, accounts: dict[AccountKey, Account], now: str) -> AccountKey | None:
        return None

    def _queued(self, command: Command, account: AccountKey) -> tuple[KeyRecord, bool]:
        raise NotImplementedError

    def _admit(
        self, limited: tuple[AccountKey, ...], accounts: dict[AccountKey, Account], now: str
    ) -> dict[AccountKey, int]:
        """Each limited account's next rate state if this movement fits every one's limit (empty: no limit
        applies); RateLimited if it does not. The state travels with the balance under its version
        condition, so concurrent movements of one account can never overrun the limit together."""
        limit = self._settings.user_rate_limit
        if limit is None:
            return {}
        now_us = epoch_ms(now) * 1000
        return {key: limit.admit(accounts[key].rate_tat_us, now_us) for key in limited}

    def _entry(
        self,
        command: TransactionCommand | TransferCommand | PostingsCommand,
        account: Account,
        asset: Asset,
        entry_type: EntryType,
        transaction_id: str,
        now: str,
        counterparty: str,
        reversal_of: str | None = None,
        hold_id: str | None = None,
        amount_minor: int | None = None,
    ) -> LedgerEntry:
        """The account's next entry, chained to its head (wallet.chain); amount_minor: a posting's amount
        (default: the command's)."""
        if amount_minor is None:
            assert not isinstance(command, PostingsCommand)
            amount_minor = command.amount_minor
        entry = LedgerEntry(
            transaction_id=transaction_id,
            idempotent_key=command.idempotent_key,
            user_id=account.user_id,
            currency=asset.code,
            scale=asset.scale,
            type=entry_type,
            amount_minor=amount_minor,
            balance_after_minor=account.balance_minor + entry_type.sign * amount_minor,
            sequence=account.entries + 1,
            created_at=now,
            counterparty=counterparty,
            description=command.description,
            metadata=command.metadata,
            transfer_id=transaction_id if isinstance(command, TransferCommand) else None,
            reversal_of=reversal_of,
            hold_id=hold_id,
        )
        return chained(entry, previous_hash(account, asset.scale))

    def _system_entry(
        self,
        command: TransactionCommand | TransferCommand | HoldCommand | PostingsCommand,
        account: str,
        amount_minor: int,
        transaction_id: str,
        leg: str,
        user_id: str,
        now: str,
        currency: str | None = None,
    ) -> SystemEntry:
        """currency: a posting's (default: the command's)."""
        if currency is None:
            assert not isinstance(command, PostingsCommand)
            currency = command.currency
        return SystemEntry(
            account=account,
            currency=currency,
            # From the key, so every attempt at one movement lands in the same bucket.
            bucket=zlib.crc32(f"{command.idempotent_key}|{leg}".encode()) % SYSTEM_BUCKETS,
            amount_minor=amount_minor,
            transaction_id=transaction_id,
            leg=leg,
            user_id=user_id,
            idempotent_key=command.idempotent_key,
            created_at=now,
        )

    def _opening(
        self,
        command: TransactionCommand | TransferCommand | HoldCommand | PostingsCommand,
        account: Account,
        asset: Asset,
        transaction_id: str,
        now: str,
    ) -> tuple[SystemEntry, ...]:
        """The treasury issues a user's opening balance in the transaction that first writes the account
        (a movement, or a hold placed on an account never written)."""
        if account.version > 0 or asset.opening_minor == 0:
            return ()
        leg = f"opening:{account.user_id}"
        opening = self._system_entry(
            command, TREASURY, -asset.opening_minor, transaction_id, leg, account.user_id, now, currency=asset.code
        )
        return (opening,)

    def _account(self, user_id: str, asset: Asset) -> Account:
        return self._accounts([(user_id, asset.code)])[(user_id, asset.code)]

    def _accounts(self, keys: Sequence[AccountKey]) -> dict[AccountKey, Account]:
        """Fresh balances; an account never written is at its asset's opening balance, version 0."""
        found = self._repository.get_accounts(keys)
        return {
            key: found.get(key) or Account(key[0], key[1], self._settings.asset(key[1]).opening_minor, version=0)
            for key in keys
        }

    def _decline(
        self, command: Command, request: str, now: str, message: str, remembered: bool = False
    ) -> tuple[KeyRecord, bool]:
        """remembered: the message depends on the balances read, so the record keeps it for every replay."""
        record = KeyRecord(
            command.idempotent_key, request, Outcome.DECLINED, now, declined_because=message if remembered else None
        )
        try:
            self._repository.record_declined(record)
        except KeyAlreadyUsed as used:
            return self._replay(command, request, used.record)
        raise InsufficientFunds(message)

    def _replay(self, command: Command, request: str, record: KeyRecord) -> tuple[KeyRecord, bool]:
        if record.request != request:
            raise IdempotencyKeyReused("This idempotency key was already used with a different request.")
        if record.outcome is Outcome.DECLINED:
            raise InsufficientFunds(record.declined_because or self._decline_message(command), replayed=True)
        return record, True

    def _decline_message(self, command: Command) -> str:
        if isinstance(command, ReversalCommand):
            return "The reversal exceeds the available balance."
        if isinstance(command, (CaptureCommand, VoidCommand, ExpireCommand)):
            return "The hold could not be ended."  # never a decline: a capture pays from its own hold
        if isinstance(command, PostingsCommand):
            return "The postings take more from a user than its available balance."
        if isinstance(command, HoldCommand):
            amount = format_amount(command.amount_minor, self._settings.asset(command.currency).scale)
            return f"A hold of {amount} {command.currency} exceeds the available balance."
        amount = format_amount(command.amount_minor, self._settings.asset(command.currency).scale)
        kind = "transfer" if isinstance(command, TransferCommand) else "debit"
        return f"A {kind} of {amount} {command.currency} exceeds the available balance."


def _overtaken(read: Account, current: Account | None) -> bool:
    """Two or more commits landed on the account between this movement's read and its write: not a race
    between two callers (retried at once) but a crowd, whose next race would be lost the same way."""
    return current is not None and current.version - read.version >= 2


@overload
def result_of(command: TransactionCommand, record: KeyRecord, replayed: bool) -> TransactionResult: ...
@overload
def result_of(command: TransferCommand, record: KeyRecord, replayed: bool) -> TransferResult: ...
@overload
def result_of(command: ReversalCommand, record: KeyRecord, replayed: bool) -> ReversalResult: ...
@overload
def result_of(
    command: HoldCommand | CaptureCommand | VoidCommand | ExpireCommand, record: KeyRecord, replayed: bool
) -> HoldResult: ...
@overload
def result_of(command: PostingsCommand, record: KeyRecord, replayed: bool) -> PostingsResult: ...
def result_of(command: Command, record: KeyRecord, replayed: bool) -> MovementResult:
    """What a movement answers, from its key's record."""
    if isinstance(command, TransactionCommand):
        return TransactionResult(entry=record.entries[0], replayed=replayed)
    if isinstance(command, TransferCommand):
        return TransferResult(out_entry=record.entries[0], in_entry=record.entries[1], replayed=replayed)
    if isinstance(command, ReversalCommand):
        return ReversalResult(record.entries, replayed)
    if isinstance(command, PostingsCommand):
        return PostingsResult(command.postings, record.entries, replayed)
    assert record.hold is not None  # every hold operation's record carries the hold it answered with
    return HoldResult(hold=record.hold, as_of_ms=epoch_ms(record.created_at), replayed=replayed, entries=record.entries)
