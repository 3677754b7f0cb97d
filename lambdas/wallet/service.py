"""Wallet rules: balances, exactly-once double-entry movements, history, system accounts.

No boto3 here; see wallet.repository. Every movement takes an amount from one account and gives it to
another in one DynamoDB transaction: a user's balance (never below zero) and a system account's
append-only leg, or two users' balances.
"""

import base64
import binascii
import json
import random
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, overload

from wallet.errors import (
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    RateLimited,
    ReversalExceedsOriginal,
    ServiceUnavailable,
)
from wallet.models import (
    Account,
    AccountKey,
    Balance,
    CaptureCommand,
    Command,
    EntryType,
    ExpireCommand,
    HistoryPage,
    Hold,
    HoldCommand,
    HoldPage,
    HoldResult,
    HoldStatus,
    KeyRecord,
    LedgerEntry,
    Outcome,
    ReversalCommand,
    ReversalResult,
    SystemBalance,
    SystemEntry,
    TransactionCommand,
    TransactionResult,
    TransferCommand,
    TransferResult,
    VoidCommand,
    canonical_json,
)
from wallet.money import MAX_SCALE, InvalidAmount, amount_text, format_amount, parse_amount, to_decimal
from wallet.repository import (
    ENTRY_SK_PREFIX,
    AccountWrite,
    Checkpoint,
    HoldChanged,
    HoldEnding,
    KeyAlreadyUsed,
    ReversalBudget,
    ReversalBudgetChanged,
    StaleAccount,
    WalletRepository,
    WriteContention,
)
from wallet.settings import DEFAULT_CURRENCY, REVENUE, TREASURY, Asset, Settings
from wallet.validation import (
    DESCRIPTION_MAX_LENGTH,
    HISTORY_DEFAULT_LIMIT,
    HISTORY_MAX_LIMIT,
    check_metadata,
    is_valid_idempotent_key,
    is_valid_user_id,
)

# Each system account's legs of one asset are spread over this many partitions so that no partition
# takes more than DynamoDB's 1,000 write units a second; reads sum every bucket. Only ever grow it.
SYSTEM_BUCKETS = 8
# A bucket folds only entries older than this, so no transaction still in flight (Lambda timeout 10 s
# plus botocore's retries) can commit an entry behind the checkpoint.
FOLD_MIN_AGE_SECONDS = 300
HOLD_DEFAULT_SECONDS = 7 * 24 * 3600
HOLD_MIN_SECONDS = 60
HOLD_MAX_SECONDS = 30 * 24 * 3600


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
class _Plan:
    """What one attempt at a movement writes."""

    writes: tuple[AccountWrite, ...]
    system_entries: tuple[SystemEntry, ...] = field(default=())
    budget: ReversalBudget | None = None
    new_hold: Hold | None = None
    hold_ending: HoldEnding | None = None
    answer_hold: Hold | None = None  # what the key's record answers for a hold operation


@dataclass(frozen=True)
class _Planner:
    """The accounts a movement reads, how it plans an attempt from them, and the account whose rate limit
    it counts against (the one the movement is made for: a credit's or debit's user, a transfer's payer,
    a hold's user; None for the service's own movements)."""

    account_keys: list[AccountKey]
    plan: Callable[[dict[AccountKey, Account], str, str], _Plan | None]
    limited: AccountKey | None


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class WalletService:
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

    # --- reads ---------------------------------------------------------------------------------

    def get_current_balance(self, user_id: str, currency: str = DEFAULT_CURRENCY, at: str | None = None) -> Balance:
        """The user's balance in one asset, now or right after the last entry at or before the instant `at`
        (ISO 8601); an account without entries has the opening balance. Writes nothing."""
        asset = self._settings.asset(currency)
        user_id = _checked_user_id(user_id)
        if at is None:
            return self._balance(self._account(user_id, asset), asset)
        found = self._repository.balance_at(user_id, asset.code, parse_instant(at, "at", round_up=False))
        minor = asset.opening_minor if found is None else found
        return Balance(user_id=user_id, balance=to_decimal(minor, asset.scale), currency=asset.code)

    def _balance(self, account: Account, asset: Asset) -> Balance:
        """The posted balance with the holds pending right now, and what is left available."""
        now_ms = epoch_ms(timestamp(self._clock()))
        return Balance(
            user_id=account.user_id,
            balance=to_decimal(account.balance_minor, asset.scale),
            currency=asset.code,
            held=to_decimal(account.held_minor(now_ms), asset.scale),
            available=to_decimal(account.available_minor(now_ms), asset.scale),
        )

    def get_balances(self, user_id: str, at: str | None = None) -> list[Balance]:
        """The user's balance in every configured asset: now in one read, or at an instant (one query each)."""
        user_id = _checked_user_id(user_id)
        assets = self._settings.assets
        if at is not None:
            return [self.get_current_balance(user_id, asset.code, at) for asset in assets]
        accounts = self._accounts([(user_id, asset.code) for asset in assets])
        return [self._balance(accounts[(user_id, asset.code)], asset) for asset in assets]

    def list_transactions(
        self,
        user_id: str,
        limit: int,
        cursor: str | None = None,
        currency: str = DEFAULT_CURRENCY,
        start: str | None = None,
        end: str | None = None,
    ) -> HistoryPage:
        """Ledger entries of one asset, newest first, optionally only those created in [start, end)
        (ISO 8601 instants); pass next_cursor back for the next page."""
        user_id = _checked_user_id(user_id)
        asset = self._settings.asset(currency)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise InvalidRequest(f"limit must be an integer from 1 to {HISTORY_MAX_LIMIT}")
        before = _decode_cursor(cursor, user_id, asset.code) if cursor is not None else None
        if start is None and end is None:
            entries, has_more = self._repository.list_entries(user_id, asset.code, limit, before and before[0])
        else:
            window_start = parse_instant(start, "from", round_up=True) if start is not None else ""
            window_end = parse_instant(end, "to", round_up=True) if end is not None else "~"  # "~" follows all
            last = self._cursor_entry(user_id, asset.code, before) if before else None
            entries, has_more = self._repository.list_entries_between(
                user_id, asset.code, window_start, window_end, limit, last
            )
        next_cursor = _encode_cursor(user_id, asset.code, entries[-1]) if has_more and entries else None
        return HistoryPage(entries=entries, next_cursor=next_cursor)

    def _cursor_entry(self, user_id: str, currency: str, before: tuple[int, str]) -> LedgerEntry:
        """Enough of the previous page's last entry to continue a query on the ByTime index after it."""
        sequence, created_at = before
        return LedgerEntry("", "", user_id, currency, 0, EntryType.CREDIT, 0, 0, sequence, created_at, "")

    def get_system_balance(self, account: str, currency: str = DEFAULT_CURRENCY) -> SystemBalance:
        """A system account's balance: each bucket's folded total plus the legs appended since."""
        if account not in self._settings.system_accounts:
            raise NotFound(f"No system account named {account!r}.")
        asset = self._settings.asset(currency)
        total = 0
        checkpoints = self._repository.get_checkpoints(account, asset.code, SYSTEM_BUCKETS)
        # Checkpoints first, legs after: a fold in between only moves a checkpoint we no longer read.
        for bucket in range(SYSTEM_BUCKETS):
            checkpoint = checkpoints.get(bucket, _EMPTY_CHECKPOINT)
            unfolded, _ = self._repository.sum_system_entries(account, asset.code, bucket, checkpoint.through_sk)
            total += checkpoint.total_minor + unfolded
        return SystemBalance(account=account, currency=asset.code, balance=to_decimal(total, asset.scale))

    def get_system_balances(self) -> dict[str, list[SystemBalance]]:
        return {
            name: [self.get_system_balance(name, asset.code) for asset in self._settings.assets]
            for name in self._settings.system_accounts
        }

    # --- movements -----------------------------------------------------------------------------

    def transaction_command(
        self,
        idempotent_key: str,
        user_id: str,
        amount: object,
        type: str,
        currency: str = DEFAULT_CURRENCY,
        counterparty: str | None = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> TransactionCommand:
        """Validate a credit or debit and apply every default (currency, counterparty)."""
        key = _checked_key(idempotent_key)
        try:
            entry_type = EntryType(type)
        except ValueError:
            entry_type = None
        if entry_type not in (EntryType.CREDIT, EntryType.DEBIT):
            raise InvalidRequest('type must be "credit" or "debit"')
        asset = self._settings.asset(currency)
        if counterparty is None:
            counterparty = TREASURY if entry_type is EntryType.CREDIT else REVENUE
        return TransactionCommand(
            idempotent_key=key,
            user_id=_checked_user_id(user_id),
            type=entry_type,
            amount_minor=_checked_amount(amount, asset),
            currency=asset.code,
            counterparty=self._checked_counterparty(counterparty),
            description=_checked_description(description),
            metadata=_checked_metadata(metadata),
        )

    def _checked_counterparty(self, name: str) -> str:
        if name not in self._settings.system_accounts:
            raise InvalidRequest(f"counterparty must be one of {', '.join(self._settings.system_accounts)}")
        return name

    def transfer_command(
        self,
        idempotent_key: str,
        from_user_id: str,
        to_user_id: str,
        amount: object,
        currency: str = DEFAULT_CURRENCY,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> TransferCommand:
        key = _checked_key(idempotent_key)
        from_user_id, to_user_id = _checked_user_id(from_user_id), _checked_user_id(to_user_id)
        if from_user_id == to_user_id:
            raise InvalidRequest("fromUserId and toUserId must differ")
        asset = self._settings.asset(currency)
        return TransferCommand(
            idempotent_key=key,
            from_user_id=from_user_id,
            to_user_id=to_user_id,
            amount_minor=_checked_amount(amount, asset),
            currency=asset.code,
            description=_checked_description(description),
            metadata=_checked_metadata(metadata),
        )

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

    def transact(
        self, idempotent_key: str, user_id: str, amount: object, type: str, **options: Any
    ) -> TransactionResult:
        """Credit or debit once per key, forever. Raises InsufficientFunds for a declined debit.

        options: currency, counterparty (a system account), description, metadata."""
        return self.execute_transaction(self.transaction_command(idempotent_key, user_id, amount, type, **options))

    def transfer(
        self, idempotent_key: str, from_user_id: str, to_user_id: str, amount: object, **options: Any
    ) -> TransferResult:
        """Move money between two users once per key, forever: both legs or neither.

        options: currency, description, metadata."""
        return self.execute_transfer(self.transfer_command(idempotent_key, from_user_id, to_user_id, amount, **options))

    def execute_transaction(
        self, command: TransactionCommand, also_write: "AlsoWrite | None" = None
    ) -> TransactionResult:
        """also_write (every execute_* takes it): given the answer a commit would give, one more item for
        the movement's transaction (the HTTP layer's cached answer); called before each attempt."""
        return result_of(command, *self._commit(command, self._movement_plan(command), also_write=also_write))

    def execute_transfer(self, command: TransferCommand, also_write: "AlsoWrite | None" = None) -> TransferResult:
        return result_of(command, *self._commit(command, self._movement_plan(command), also_write=also_write))

    def reversal_command(
        self, idempotent_key: str, transaction_id: str, amount: object = None, description: str | None = None
    ) -> ReversalCommand:
        """Validate a reversal; amount None means all that is still reversible."""
        if not isinstance(transaction_id, str) or not 1 <= len(transaction_id) <= 64:
            raise InvalidRequest("transactionId must be the id of a movement")
        return ReversalCommand(
            _checked_key(idempotent_key), transaction_id, _normalised_amount(amount), _checked_description(description)
        )

    def reverse(
        self, idempotent_key: str, transaction_id: str, amount: object = None, description: str | None = None
    ) -> ReversalResult:
        """Move money back between the two accounts of an earlier movement, once per key; all reversals of
        one movement together never move back more than it moved."""
        return self.execute_reversal(self.reversal_command(idempotent_key, transaction_id, amount, description))

    def execute_reversal(self, command: ReversalCommand, also_write: "AlsoWrite | None" = None) -> ReversalResult:
        earlier = self._repository.get_key_record(command.idempotent_key)
        if earlier is not None:  # this key has its answer already, whatever is left to reverse now
            return result_of(command, *self._replay(command, canonical_json(self.payload(command)), earlier))
        deadline = self._monotonic() + self._retry.max_seconds
        while True:
            original = self._repository.find_movement(command.transaction_id)
            if original is None or original.outcome is not Outcome.APPLIED:
                raise NotFound(f"No movement with transactionId {command.transaction_id!r}.")
            try:
                return result_of(command, *self._reverse(command, original, also_write))
            except ReversalBudgetChanged:  # another reversal of this movement committed: read what is left
                if self._monotonic() > deadline:
                    raise ServiceUnavailable(
                        "The movement is being reversed concurrently; retry with the same idempotency key."
                    ) from None

    def _reverse(
        self, command: ReversalCommand, original: KeyRecord, also_write: "AlsoWrite | None"
    ) -> tuple[KeyRecord, bool]:
        first = original.entries[0]
        if first.reversal_of is not None:
            raise InvalidRequest("A reversal cannot itself be reversed; make a new movement instead.")
        asset = self._settings.asset(first.currency)
        left = first.amount_minor - original.reversed_minor
        amount = _checked_amount(command.amount, asset) if command.amount is not None else left
        if left == 0 or amount > left:
            raise ReversalExceedsOriginal(
                f"Only {format_amount(left, asset.scale)} {asset.code} of this movement is left to reverse."
            )
        inner: TransactionCommand | TransferCommand
        if first.type is EntryType.TRANSFER_OUT:  # back from the receiver to the sender
            inner = TransferCommand(
                command.idempotent_key, first.counterparty, first.user_id, amount, asset.code, command.description, None
            )
        else:  # a credit is undone by a debit to the same system account, and the other way round
            kind = EntryType.DEBIT if first.type is EntryType.CREDIT else EntryType.CREDIT
            inner = TransactionCommand(
                command.idempotent_key,
                first.user_id,
                kind,
                amount,
                asset.code,
                first.counterparty,
                command.description,
                None,
            )
        budget = ReversalBudget(original.idempotent_key, original.reversed_minor, original.reversed_minor + amount)
        message = f"Reversing {format_amount(amount, asset.scale)} {asset.code} exceeds the available balance."
        plan = self._movement_plan(inner, reversal_of=first.transaction_id, budget=budget)
        return self._commit(command, plan, message, also_write)

    def _movement_plan(
        self,
        command: TransactionCommand | TransferCommand,
        reversal_of: str | None = None,
        budget: ReversalBudget | None = None,
        capture: Hold | None = None,
    ) -> "_Planner":
        """What one attempt at a credit, debit or transfer writes, given the balances read; None to decline.

        Money leaves an account only up to its available balance (balance minus pending holds). A capture
        takes the money of its own hold, which it releases in the same write."""
        asset = self._settings.asset(command.currency)

        def paying(account: Account, now: str, transaction_id: str) -> tuple[int, dict[str, tuple[int, int]] | None]:
            """What the paying account may spend, and its holds map after this movement (None: unchanged)."""
            now_ms = epoch_ms(now)
            if capture is None:
                return account.available_minor(now_ms), None
            if capture.hold_id not in account.live_holds(now_ms):
                raise HoldChanged()  # ended or expired since the hold was read
            holds = {key: hold for key, hold in account.live_holds(now_ms).items() if key != capture.hold_id}
            return account.available_minor(now_ms) + capture.amount_minor, holds

        def ending(transaction_id: str, now: str, to: str) -> tuple[HoldEnding | None, Hold | None]:
            if capture is None:
                return None, None
            end = HoldEnding(capture, HoldStatus.CAPTURED, now, epoch_ms(now), command.amount_minor, transaction_id, to)
            return end, ended(capture, end)

        def entry(account: Account, kind: EntryType, transaction_id: str, now: str, counterparty: str) -> LedgerEntry:
            return self._entry(
                command,
                account,
                asset,
                kind,
                transaction_id,
                now,
                counterparty,
                reversal_of,
                capture.hold_id if capture else None,
            )

        if isinstance(command, TransactionCommand):
            key = (command.user_id, command.currency)
            signed = command.type.sign * command.amount_minor

            def plan(accounts: dict[AccountKey, Account], transaction_id: str, now: str) -> _Plan | None:
                account = accounts[key]
                spendable, holds = paying(account, now, transaction_id)
                if signed < 0 and spendable + signed < 0:
                    return None
                leg = self._system_entry(
                    command, command.counterparty, -signed, transaction_id, "movement", command.user_id, now
                )
                hold_ending, answer = ending(transaction_id, now, command.counterparty)
                return _Plan(
                    writes=(
                        AccountWrite.for_entry(
                            account, entry(account, command.type, transaction_id, now, command.counterparty), holds
                        ),
                    ),
                    system_entries=(leg, *self._opening(command, account, asset, transaction_id, now)),
                    budget=budget,
                    hold_ending=hold_ending,
                    answer_hold=answer,
                )

            return _Planner([key], plan, limited=key)

        source_key, target_key = (command.from_user_id, command.currency), (command.to_user_id, command.currency)

        def transfer_plan(accounts: dict[AccountKey, Account], transfer_id: str, now: str) -> _Plan | None:
            source, target = accounts[source_key], accounts[target_key]
            spendable, holds = paying(source, now, transfer_id)
            if spendable < command.amount_minor:
                return None
            out_entry = entry(source, EntryType.TRANSFER_OUT, transfer_id, now, target.user_id)
            in_entry = entry(target, EntryType.TRANSFER_IN, transfer_id, now, source.user_id)
            hold_ending, answer = ending(transfer_id, now, target.user_id)
            return _Plan(
                writes=(AccountWrite.for_entry(source, out_entry, holds), AccountWrite.for_entry(target, in_entry)),
                system_entries=(
                    *self._opening(command, source, asset, transfer_id, now),
                    *self._opening(command, target, asset, transfer_id, now),
                ),
                budget=budget,
                hold_ending=hold_ending,
                answer_hold=answer,
            )

        return _Planner([source_key, target_key], transfer_plan, limited=source_key)

    # --- holds ---------------------------------------------------------------------------------

    def hold_command(
        self,
        idempotent_key: str,
        user_id: str,
        amount: object,
        currency: str = DEFAULT_CURRENCY,
        expires_in_seconds: object = None,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> HoldCommand:
        asset = self._settings.asset(currency)
        if expires_in_seconds is None:
            expires_in_seconds = HOLD_DEFAULT_SECONDS
        if (
            isinstance(expires_in_seconds, bool)
            or not isinstance(expires_in_seconds, int)
            or not HOLD_MIN_SECONDS <= expires_in_seconds <= HOLD_MAX_SECONDS
        ):
            raise InvalidRequest(f"expiresInSeconds must be an integer from {HOLD_MIN_SECONDS} to {HOLD_MAX_SECONDS}")
        return HoldCommand(
            idempotent_key=_checked_key(idempotent_key),
            user_id=_checked_user_id(user_id),
            amount_minor=_checked_amount(amount, asset),
            currency=asset.code,
            expires_in_seconds=expires_in_seconds,
            description=_checked_description(description),
            metadata=_checked_metadata(metadata),
        )

    def capture_command(
        self,
        idempotent_key: str,
        hold_id: str,
        amount: object = None,
        counterparty: str | None = None,
        to_user_id: str | None = None,
    ) -> CaptureCommand:
        if counterparty is not None and to_user_id is not None:
            raise InvalidRequest("give counterparty or toUserId, not both")
        return CaptureCommand(
            _checked_key(idempotent_key),
            _checked_hold_id(hold_id),
            _normalised_amount(amount),
            self._checked_counterparty(counterparty) if counterparty is not None else None,
            _checked_user_id(to_user_id) if to_user_id is not None else None,
        )

    def void_command(self, idempotent_key: str, hold_id: str) -> VoidCommand:
        return VoidCommand(_checked_key(idempotent_key), _checked_hold_id(hold_id))

    def place_hold(self, idempotent_key: str, user_id: str, amount: object, **options: Any) -> HoldResult:
        """Hold money on a user's account (it stays in the balance, no longer available) until the hold is
        captured, voided or expires. options: currency, expires_in_seconds, description, metadata."""
        return self.execute_hold(self.hold_command(idempotent_key, user_id, amount, **options))

    def capture_hold(self, idempotent_key: str, hold_id: str, amount: object = None, **options: Any) -> HoldResult:
        """Move (part of) a held amount to a system account (counterparty, default revenue) or another
        user (to_user_id), releasing the rest. options: counterparty, to_user_id."""
        return self.execute_capture(self.capture_command(idempotent_key, hold_id, amount, **options))

    def void_hold(self, idempotent_key: str, hold_id: str) -> HoldResult:
        """Release a hold in full."""
        return self.execute_void(self.void_command(idempotent_key, hold_id))

    def execute_hold(self, command: HoldCommand, also_write: "AlsoWrite | None" = None) -> HoldResult:
        asset = self._settings.asset(command.currency)
        key = (command.user_id, command.currency)
        hold_id = str(uuid.uuid4())

        def plan(accounts: dict[AccountKey, Account], _: str, now: str) -> _Plan | None:
            account, now_ms = accounts[key], epoch_ms(now)
            if account.available_minor(now_ms) < command.amount_minor:
                return None
            hold = Hold(
                hold_id=hold_id,
                idempotent_key=command.idempotent_key,
                user_id=command.user_id,
                currency=asset.code,
                scale=asset.scale,
                amount_minor=command.amount_minor,
                expires_at_ms=now_ms + command.expires_in_seconds * 1000,
                created_at=now,
                stored_status=HoldStatus.PENDING,
                description=command.description,
                metadata=command.metadata,
                available_after_minor=account.available_minor(now_ms) - command.amount_minor,
            )
            holds = {**account.live_holds(now_ms), hold_id: (hold.amount_minor, hold.expires_at_ms)}
            write = AccountWrite(account, account.balance_minor, account.updated_at, holds=holds)
            # A hold may be the account's first write: its opening balance is issued with it.
            opening = self._opening(command, account, asset, hold_id, now)
            return _Plan(writes=(write,), system_entries=opening, new_hold=hold, answer_hold=hold)

        return result_of(command, *self._commit(command, _Planner([key], plan, limited=key), also_write=also_write))

    def execute_capture(self, command: CaptureCommand, also_write: "AlsoWrite | None" = None) -> HoldResult:
        def attempt(hold: Hold) -> tuple[KeyRecord, bool]:
            asset = self._settings.asset(hold.currency)
            amount = _checked_amount(command.amount, asset) if command.amount is not None else hold.amount_minor
            if amount > hold.amount_minor:
                raise InvalidRequest(f"amount must not exceed the held {format_amount(hold.amount_minor, hold.scale)}")
            inner: TransactionCommand | TransferCommand
            if command.to_user_id is not None:
                if command.to_user_id == hold.user_id:
                    raise InvalidRequest("toUserId must be another user than the hold's")
                inner = TransferCommand(
                    command.idempotent_key,
                    hold.user_id,
                    command.to_user_id,
                    amount,
                    hold.currency,
                    hold.description,
                    hold.metadata,
                )
            else:
                inner = TransactionCommand(
                    command.idempotent_key,
                    hold.user_id,
                    EntryType.DEBIT,
                    amount,
                    hold.currency,
                    command.counterparty or REVENUE,
                    hold.description,
                    hold.metadata,
                )
            return self._commit(command, self._movement_plan(inner, capture=hold), also_write=also_write)

        return self._end_hold(command, attempt)

    def execute_void(self, command: VoidCommand, also_write: "AlsoWrite | None" = None) -> HoldResult:
        def attempt(hold: Hold) -> tuple[KeyRecord, bool]:
            key = (hold.user_id, hold.currency)

            def plan(accounts: dict[AccountKey, Account], _: str, now: str) -> _Plan | None:
                account, now_ms = accounts[key], epoch_ms(now)
                live = account.live_holds(now_ms)
                if hold.hold_id not in live:
                    raise HoldChanged()
                holds = {hold_id: value for hold_id, value in live.items() if hold_id != hold.hold_id}
                end = HoldEnding(hold, HoldStatus.VOIDED, now, now_ms)
                write = AccountWrite(account, account.balance_minor, account.updated_at, holds=holds)
                return _Plan(writes=(write,), hold_ending=end, answer_hold=ended(hold, end))

            return self._commit(command, _Planner([key], plan, limited=key), also_write=also_write)

        return self._end_hold(command, attempt)

    def expire_overdue_holds(self) -> int:
        """Mark every hold still stored as pending past its expiry as expired: the nightly sweep. Balances
        never wait for it (a hold stops counting at its expiry); it tidies the hold's status and the
        account's holds map, and its key record produces the wallet.hold.expired event. Each hold's key is
        derived from the hold with a character no client can send, so a rerun or a concurrent sweep replays
        instead of writing twice, and no caller can take the key first. Returns how many it marked."""
        return self.expire_holds(self._repository.overdue_holds(epoch_ms(timestamp(self._clock()))))

    def expire_holds(self, holds: Iterable[Hold]) -> int:
        """Mark those of `holds` that are stored as pending and past their expiry expired; returns how many."""
        now_ms = epoch_ms(timestamp(self._clock()))
        marked = 0
        for hold in holds:
            if hold.stored_status is not HoldStatus.PENDING or hold.expires_at_ms > now_ms:
                continue
            try:
                _, replayed = self._expire(hold)
            except HoldChanged:  # captured or voided meanwhile: nothing to mark
                continue
            marked += not replayed
        return marked

    def _expire(self, hold: Hold) -> tuple[KeyRecord, bool]:
        command = ExpireCommand(f"{SYSTEM_KEY_MARK}expire/{hold.hold_id}", hold.hold_id)
        key = (hold.user_id, hold.currency)

        def plan(accounts: dict[AccountKey, Account], _: str, now: str) -> _Plan | None:
            account, now_ms = accounts[key], epoch_ms(now)
            end = HoldEnding(hold, HoldStatus.EXPIRED, now, now_ms)
            # live_holds already leaves out every expired hold: the map keeps the pending ones only.
            write = AccountWrite(account, account.balance_minor, account.updated_at, holds=account.live_holds(now_ms))
            return _Plan(writes=(write,), hold_ending=end, answer_hold=ended(hold, end))

        return self._commit(command, _Planner([key], plan, limited=None))  # the sweep is never limited

    def _end_hold(
        self, command: CaptureCommand | VoidCommand, attempt: Callable[[Hold], tuple[KeyRecord, bool]]
    ) -> HoldResult:
        """Capture or void: answer a replay from the key's record, else end the hold exactly once."""
        earlier = self._repository.get_key_record(command.idempotent_key)
        if earlier is not None:
            return result_of(command, *self._replay(command, canonical_json(self.payload(command)), earlier))
        deadline = self._monotonic() + self._retry.max_seconds
        while True:
            hold = self._repository.get_hold(command.hold_id)
            if hold is None:
                raise HoldNotFound(f"No hold with holdId {command.hold_id!r}.")
            status = hold.status(epoch_ms(timestamp(self._clock())))
            if status is HoldStatus.EXPIRED:
                raise HoldExpired(f"The hold expired at {hold.expires_at}.")
            if status is not HoldStatus.PENDING:
                raise HoldNotPending(f"The hold is already {status.value}.", status=status.value)
            try:
                return result_of(command, *attempt(hold))
            except HoldChanged:  # it ended or expired meanwhile: read it again, the next turn says how
                if self._monotonic() > deadline:
                    raise ServiceUnavailable("The hold is changing concurrently; retry with the same key.") from None

    def get_hold(self, hold_id: str) -> tuple[Hold, int]:
        """The hold and the instant (epoch ms) its status was read at."""
        hold = self._repository.get_hold(_checked_hold_id(hold_id))
        if hold is None:
            raise HoldNotFound(f"No hold with holdId {hold_id!r}.")
        return hold, epoch_ms(timestamp(self._clock()))

    def list_holds(
        self, user_id: str, status: str | None = None, limit: int = HISTORY_DEFAULT_LIMIT, cursor: str | None = None
    ) -> HoldPage:
        user_id = _checked_user_id(user_id)
        try:
            wanted = HoldStatus(status) if status is not None else None
        except ValueError:
            raise InvalidRequest("status must be pending, captured, voided or expired") from None
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise InvalidRequest(f"limit must be an integer from 1 to {HISTORY_MAX_LIMIT}")
        after = _decode_hold_cursor(cursor, user_id) if cursor is not None else None
        now_ms = epoch_ms(timestamp(self._clock()))
        holds, last = self._repository.list_holds(user_id, wanted, now_ms, limit, after)
        return HoldPage(holds=holds, as_of_ms=now_ms, next_cursor=_encode_hold_cursor(user_id, last) if last else None)

    def fold_system_accounts(self, min_age_seconds: float = FOLD_MIN_AGE_SECONDS) -> int:
        """Fold every system bucket's legs older than min_age_seconds into its checkpoint, so balance
        reads stay short. Safe to run at any time, from anywhere, concurrently: returns buckets folded."""
        cutoff = ENTRY_SK_PREFIX + timestamp(self._clock() - timedelta(seconds=min_age_seconds))
        folded = 0
        for account in self._settings.system_accounts:
            for asset in self._settings.assets:
                checkpoints = self._repository.get_checkpoints(account, asset.code, SYSTEM_BUCKETS)
                for bucket in range(SYSTEM_BUCKETS):
                    old = checkpoints.get(bucket, _EMPTY_CHECKPOINT)
                    total, last = self._repository.sum_system_entries(
                        account, asset.code, bucket, old.through_sk, before_sk=cutoff
                    )
                    if last is None:
                        continue
                    new = Checkpoint(old.total_minor + total, last, old.version + 1)
                    folded += self._repository.save_checkpoint(account, asset.code, bucket, new, old.version)
        return folded

    # --- internals -----------------------------------------------------------------------------

    def _commit(
        self,
        command: Command,
        planner: "_Planner",
        decline_message: str | None = None,
        also_write: "AlsoWrite | None" = None,
    ) -> tuple[KeyRecord, bool]:
        """Plan against the balances read, commit, and retry lost races until the deadline.

        Returns the key's record (written now, or first written for the key) and whether this was a replay."""
        account_keys, plan = planner.account_keys, planner.plan
        request = canonical_json(self.payload(command))
        accounts = self._accounts(account_keys)
        deadline = self._monotonic() + self._retry.max_seconds
        attempt = 0
        fresh = True  # the state in hand came straight from DynamoDB: use it at once
        while True:
            # Never earlier than an account's last entry: an account's entries are in time order too.
            now = max(timestamp(self._clock()), *(accounts[key].updated_at for key in account_keys))
            try:
                rate_tat_us = self._admit(planner.limited, accounts, now)
            except RateLimited:  # a key that already has its answer is replayed, never limited
                earlier = self._repository.get_key_record(command.idempotent_key)
                if earlier is None:
                    raise
                return self._replay(command, request, earlier)
            attempt_plan = plan(accounts, str(uuid.uuid4()), now)
            if attempt_plan is None:
                return self._decline(command, request, now, decline_message or self._decline_message(command))
            entries = tuple(write.entry for write in attempt_plan.writes if write.entry)
            record = KeyRecord(
                command.idempotent_key, request, Outcome.APPLIED, now, entries, hold=attempt_plan.answer_hold
            )
            writes = tuple(
                replace(write, rate_tat_us=rate_tat_us)
                if rate_tat_us is not None and write.key == planner.limited
                else write
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
                if fresh and all(current is not None for current in stale.current.values()):
                    accounts.update(stale.current)  # type: ignore[arg-type]
                    fresh = False
                    continue  # retry at once: waiting would only let the state go stale again
            except WriteContention:
                pass
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

    def _admit(self, limited: AccountKey | None, accounts: dict[AccountKey, Account], now: str) -> int | None:
        """The limited account's next rate state if this movement fits its limit (None: no limit applies);
        RateLimited if it does not. The state travels with the balance under its version condition, so
        concurrent movements of one account can never overrun the limit together."""
        limit = self._settings.user_rate_limit
        if limit is None or limited is None:
            return None
        return limit.admit(accounts[limited].rate_tat_us, epoch_ms(now) * 1000)

    def _entry(
        self,
        command: TransactionCommand | TransferCommand,
        account: Account,
        asset: Asset,
        entry_type: EntryType,
        transaction_id: str,
        now: str,
        counterparty: str,
        reversal_of: str | None = None,
        hold_id: str | None = None,
    ) -> LedgerEntry:
        return LedgerEntry(
            transaction_id=transaction_id,
            idempotent_key=command.idempotent_key,
            user_id=account.user_id,
            currency=asset.code,
            scale=asset.scale,
            type=entry_type,
            amount_minor=command.amount_minor,
            balance_after_minor=account.balance_minor + entry_type.sign * command.amount_minor,
            sequence=account.entries + 1,
            created_at=now,
            counterparty=counterparty,
            description=command.description,
            metadata=command.metadata,
            transfer_id=transaction_id if isinstance(command, TransferCommand) else None,
            reversal_of=reversal_of,
            hold_id=hold_id,
        )

    def _system_entry(
        self,
        command: TransactionCommand | TransferCommand | HoldCommand,
        account: str,
        amount_minor: int,
        transaction_id: str,
        leg: str,
        user_id: str,
        now: str,
    ) -> SystemEntry:
        return SystemEntry(
            account=account,
            currency=command.currency,
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
        command: TransactionCommand | TransferCommand | HoldCommand,
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
        opening = self._system_entry(command, TREASURY, -asset.opening_minor, transaction_id, leg, account.user_id, now)
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

    def _decline(self, command: Command, request: str, now: str, message: str) -> tuple[KeyRecord, bool]:
        try:
            self._repository.record_declined(KeyRecord(command.idempotent_key, request, Outcome.DECLINED, now))
        except KeyAlreadyUsed as used:
            return self._replay(command, request, used.record)
        raise InsufficientFunds(message)

    def _replay(self, command: Command, request: str, record: KeyRecord) -> tuple[KeyRecord, bool]:
        if record.request != request:
            raise IdempotencyKeyReused("This idempotency key was already used with a different request.")
        if record.outcome is Outcome.DECLINED:
            raise InsufficientFunds(self._decline_message(command), replayed=True)
        return record, True

    def _decline_message(self, command: Command) -> str:
        if isinstance(command, ReversalCommand):
            return "The reversal exceeds the available balance."
        if isinstance(command, (CaptureCommand, VoidCommand, ExpireCommand)):
            return "The hold could not be ended."  # never a decline: a capture pays from its own hold
        if isinstance(command, HoldCommand):
            amount = format_amount(command.amount_minor, self._settings.asset(command.currency).scale)
            return f"A hold of {amount} {command.currency} exceeds the available balance."
        amount = format_amount(command.amount_minor, self._settings.asset(command.currency).scale)
        kind = "transfer" if isinstance(command, TransferCommand) else "debit"
        return f"A {kind} of {amount} {command.currency} exceeds the available balance."


MovementResult = TransactionResult | TransferResult | ReversalResult | HoldResult
# One more item for a movement's transaction, given the answer its commit would give (wallet.repository
# writes it as given): the HTTP layer's response cache, so the answer is stored with the movement.
AlsoWrite = Callable[[MovementResult], dict[str, Any]]


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
def result_of(command: Command, record: KeyRecord, replayed: bool) -> MovementResult:
    """What a movement answers, from its key's record."""
    if isinstance(command, TransactionCommand):
        return TransactionResult(entry=record.entries[0], replayed=replayed)
    if isinstance(command, TransferCommand):
        return TransferResult(out_entry=record.entries[0], in_entry=record.entries[1], replayed=replayed)
    if isinstance(command, ReversalCommand):
        return ReversalResult(record.entries, replayed)
    assert record.hold is not None  # every hold operation's record carries the hold it answered with
    return HoldResult(hold=record.hold, as_of_ms=epoch_ms(record.created_at), replayed=replayed)


# Keys the service writes for itself start with a control character: client keys are printable ASCII only.
SYSTEM_KEY_MARK = "\x1f"
_EMPTY_CHECKPOINT = Checkpoint(total_minor=0, through_sk=ENTRY_SK_PREFIX, version=0)


def _checked_key(idempotent_key: str) -> str:
    if not is_valid_idempotent_key(idempotent_key):
        raise InvalidRequest("idempotentKey must be 1 to 255 printable ASCII characters")
    return idempotent_key


def _checked_user_id(user_id: str) -> str:
    if not is_valid_user_id(user_id):
        raise InvalidRequest("userId must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -")
    return user_id


def _checked_amount(amount: object, asset: Asset) -> int:
    try:
        return parse_amount(amount, asset.scale, asset.code)
    except InvalidAmount as error:
        raise InvalidRequest(str(error)) from None


def _checked_description(description: object) -> str | None:
    if description is None or description == "":
        return None  # an empty description is the same request as none
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidRequest(f"description must be a string of at most {DESCRIPTION_MAX_LENGTH} characters")
    return description


def _checked_metadata(metadata: object) -> dict[str, str] | None:
    problem = check_metadata(metadata)
    if problem:
        raise InvalidRequest(problem)
    assert metadata is None or isinstance(metadata, dict)
    return dict(sorted(metadata.items())) if metadata else None  # an empty object is the same as none


def epoch_ms(instant: str) -> int:
    """Milliseconds since the epoch of one of this service's timestamps."""
    return int(datetime.fromisoformat(instant).timestamp() * 1000)


def ended(hold: Hold, ending: HoldEnding) -> Hold:
    """The hold as it reads once `ending` has committed."""
    return replace(
        hold,
        stored_status=ending.status,
        ended_at=ending.ended_at,
        captured_minor=ending.captured_minor,
        transaction_id=ending.transaction_id,
        captured_to=ending.captured_to,
    )


def _checked_hold_id(hold_id: object) -> str:
    if not isinstance(hold_id, str) or not 1 <= len(hold_id) <= 64:
        raise InvalidRequest("holdId must be the id of a hold")
    return hold_id


def _normalised_amount(amount: object) -> str | None:
    """An amount's canonical text before its asset is known (the scale is checked later), or None."""
    if amount is None:
        return None
    try:
        parse_amount(amount, MAX_SCALE, "any asset")
        return format(Decimal(amount_text(amount)).normalize(), "f")
    except InvalidAmount as error:
        raise InvalidRequest(str(error)) from None


def _encode_hold_cursor(user_id: str, last: tuple[str, str]) -> str:
    raw = json.dumps({"u": user_id, "t": last[0], "h": last[1]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_hold_cursor(cursor: str, user_id: str) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = data["u"] == user_id and isinstance(data["t"], str) and isinstance(data["h"], str)
    except (ValueError, TypeError, KeyError, binascii.Error, AttributeError):
        valid = False
    if not valid:
        raise InvalidRequest("cursor is not a cursor returned for this user's holds")
    return data["t"], data["h"]


def parse_instant(text: str, name: str, round_up: bool) -> str:
    """An ISO 8601 instant with a time zone, as this service's timestamps write it (UTC, milliseconds).

    Entries carry milliseconds: an `at` (inclusive) rounds down, a window's bounds round up, so the
    comparison with a finer instant is exact."""
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidRequest(f"{name} must be an ISO 8601 instant with a time zone, e.g. 2026-11-23T10:00:00Z")
    moment = moment.astimezone(UTC)
    if round_up and moment.microsecond % 1000:
        moment += timedelta(microseconds=1000 - moment.microsecond % 1000)
    return timestamp(moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000))


def _encode_cursor(user_id: str, currency: str, last: LedgerEntry) -> str:
    raw = json.dumps(
        {"u": user_id, "c": currency, "s": last.sequence, "t": last.created_at}, separators=(",", ":")
    ).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, user_id: str, currency: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        sequence, created_at = data["s"], data.get("t", "")
        valid = (
            data["u"] == user_id
            and data.get("c", DEFAULT_CURRENCY) == currency
            and isinstance(sequence, int)
            and not isinstance(sequence, bool)
            and sequence > 0
            and isinstance(created_at, str)
        )
    except (ValueError, TypeError, KeyError, binascii.Error, AttributeError):
        valid = False
    if not valid:
        raise InvalidRequest("cursor is not a cursor returned for this user's history in this currency")
    return sequence, created_at
