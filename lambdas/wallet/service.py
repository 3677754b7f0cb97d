"""Wallet rules: balances, exactly-once movements, history. No boto3 here; see wallet.repository."""

import base64
import binascii
import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from wallet.errors import IdempotencyKeyReused, InsufficientFunds, InvalidRequest, ServiceUnavailable
from wallet.models import (
    Account,
    Balance,
    HistoryPage,
    KeyRecord,
    LedgerEntry,
    Movement,
    MovementType,
    Outcome,
    TransactionResult,
)
from wallet.money import InvalidAmount, format_money, from_minor, parse_amount, to_minor
from wallet.repository import KeyAlreadyUsed, StaleAccount, WalletRepository, WriteContention
from wallet.settings import Settings
from wallet.validation import HISTORY_MAX_LIMIT, is_valid_idempotent_key, is_valid_user_id


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded, jittered retries for writes that lost a race (stale balance, TransactionConflict).

    Bounded by time rather than a count: under contention on one user every lost race means another
    movement committed, so waiting a little longer is better than failing; 6 s stays inside the
    10 s Lambda timeout."""

    max_seconds: float = 6.0
    # Measured on one hot user (bench): a 50 ms cap let 8 writers collide so often that throughput fell
    # to a third of what a 500 ms cap gives; the cap is only reached after several lost races.
    base_delay_seconds: float = 0.01
    max_delay_seconds: float = 0.5

    def delay(self, attempt: int) -> float:
        """Full jitter: a random wait up to an exponentially growing, capped bound."""
        return random.uniform(0, min(self.max_delay_seconds, self.base_delay_seconds * 2 ** min(attempt, 16)))


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class WalletService:
    def __init__(
        self,
        repository: WalletRepository,
        settings: Settings,
        retry: RetryPolicy = RetryPolicy(),
        clock: Callable[[], str] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._repository = repository
        self._currency = settings.currency
        self._initial_minor = to_minor(settings.initial_balance)
        self._retry = retry
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic

    def get_current_balance(self, user_id: str) -> Balance:
        """The user's balance; a user never seen has the initial balance. Writes nothing."""
        account = self._account(_checked_user_id(user_id))
        return Balance(user_id=user_id, balance=from_minor(account.balance_minor), currency=self._currency)

    def transact(self, idempotent_key: str, user_id: str, amount: object, type: str) -> TransactionResult:
        """Credit or debit once per key, forever. Raises InsufficientFunds for a declined debit."""
        movement = self._movement(idempotent_key, user_id, amount, type)
        account = self._account(movement.user_id)
        deadline = self._monotonic() + self._retry.max_seconds
        attempt = 0
        fresh = True  # the state in hand came straight from DynamoDB: use it at once
        while True:
            balance_after = account.balance_minor + movement.signed_minor()
            if balance_after < 0:
                return self._decline(movement)
            entry = LedgerEntry(
                transaction_id=str(uuid.uuid4()),
                idempotent_key=movement.idempotent_key,
                user_id=movement.user_id,
                currency=movement.currency,
                type=movement.type,
                amount_minor=movement.amount_minor,
                balance_after_minor=balance_after,
                sequence=account.version + 1,
                created_at=self._clock(),
            )
            try:
                self._repository.apply_entry(entry, movement, expected_version=account.version)
                return TransactionResult(entry=entry, replayed=False)
            except KeyAlreadyUsed as used:
                return self._replay(movement, used.record)
            except StaleAccount as stale:  # another movement won; its state came back with the failure
                if stale.current is None:  # only the ledger row clashed: read the balance anew
                    account = self._account(movement.user_id)
                else:
                    account = stale.current
                    if fresh:
                        fresh = False
                        continue  # retry at once: waiting would only let the state go stale again
            except WriteContention:
                account = self._account(movement.user_id)
            # Lost twice in a row, or DynamoDB pushed back: wait (full jitter). The next attempt's own
            # failure, if any, brings the fresh state back (ALL_OLD), so no separate read is needed.
            attempt += 1
            delay = self._retry.delay(attempt)
            if self._monotonic() + delay > deadline:
                break
            self._sleep(delay)
            fresh = True
        raise ServiceUnavailable("The balance is under heavy contention; retry with the same idempotency key.")

    def list_transactions(self, user_id: str, limit: int, cursor: str | None = None) -> HistoryPage:
        """Ledger entries newest first; pass next_cursor back for the next page."""
        user_id = _checked_user_id(user_id)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise InvalidRequest(f"limit must be an integer from 1 to {HISTORY_MAX_LIMIT}")
        before = _decode_cursor(cursor, user_id) if cursor is not None else None
        entries, has_more = self._repository.list_entries(user_id, self._currency, limit, before)
        next_cursor = _encode_cursor(user_id, entries[-1].sequence) if has_more and entries else None
        return HistoryPage(entries=entries, next_cursor=next_cursor)

    def _account(self, user_id: str) -> Account:
        account = self._repository.get_account(user_id, self._currency)
        return account or Account(user_id, self._currency, balance_minor=self._initial_minor, version=0)

    def _movement(self, idempotent_key: str, user_id: str, amount: object, type: str) -> Movement:
        if not is_valid_idempotent_key(idempotent_key):
            raise InvalidRequest("idempotentKey must be 1 to 255 printable ASCII characters")
        try:
            movement_type = MovementType(type)
        except ValueError:
            raise InvalidRequest('type must be "credit" or "debit"') from None
        try:
            amount_minor = to_minor(parse_amount(amount))
        except InvalidAmount as error:
            raise InvalidRequest(str(error)) from None
        return Movement(idempotent_key, _checked_user_id(user_id), movement_type, amount_minor, self._currency)

    def _decline(self, movement: Movement) -> TransactionResult:
        try:
            self._repository.record_declined(movement, created_at=self._clock())
        except KeyAlreadyUsed as used:
            return self._replay(movement, used.record)
        raise InsufficientFunds(_decline_message(movement))

    def _replay(self, movement: Movement, record: KeyRecord) -> TransactionResult:
        if record.movement != movement:
            raise IdempotencyKeyReused("This idempotency key was already used with a different user, amount or type.")
        if record.outcome is Outcome.DECLINED:
            raise InsufficientFunds(_decline_message(movement), replayed=True)
        assert record.entry is not None  # an APPLIED record always carries its entry
        return TransactionResult(entry=record.entry, replayed=True)


def _decline_message(movement: Movement) -> str:
    amount = format_money(from_minor(movement.amount_minor))
    return f"A debit of {amount} {movement.currency} exceeds the available balance."


def _checked_user_id(user_id: str) -> str:
    if not is_valid_user_id(user_id):
        raise InvalidRequest("userId must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -")
    return user_id


def _encode_cursor(user_id: str, sequence: int) -> str:
    raw = json.dumps({"u": user_id, "s": sequence}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, user_id: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        sequence = data["s"]
        valid = data["u"] == user_id and isinstance(sequence, int) and not isinstance(sequence, bool) and sequence > 0
    except (ValueError, TypeError, KeyError, binascii.Error):
        valid = False
    if not valid:
        raise InvalidRequest("cursor is not a cursor returned for this user's history")
    return sequence
