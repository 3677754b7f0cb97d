"""Holds: place, capture, void, and the nightly expiry."""

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from wallet.errors import (
    CaptureRefused,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    InvalidRequest,
    ServiceUnavailable,
)
from wallet.models import (
    Account,
    AccountKey,
    CaptureCommand,
    EntryType,
    ExpireCommand,
    Hold,
    HoldCommand,
    HoldResult,
    HoldStatus,
    KeyRecord,
    TransactionCommand,
    TransferCommand,
    VoidCommand,
    canonical_json,
)
from wallet.money import format_amount
from wallet.repository import (
    AccountWrite,
    HoldChanged,
    HoldEnding,
)
from wallet.service.checks import (
    checked_amount,
    checked_description,
    checked_hold_id,
    checked_key,
    checked_metadata,
    checked_user_id,
    ended,
    epoch_ms,
    normalised_amount,
    timestamp,
)
from wallet.service.commit import (
    SYSTEM_KEY_MARK,
    AlsoWrite,
    Plan,
    Planner,
    result_of,
)
from wallet.service.movements import Movements
from wallet.settings import DEFAULT_CURRENCY, REVENUE

HOLD_DEFAULT_SECONDS = 7 * 24 * 3600
HOLD_MIN_SECONDS = 60
HOLD_MAX_SECONDS = 30 * 24 * 3600


class Holds(Movements):
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
            idempotent_key=checked_key(idempotent_key),
            user_id=checked_user_id(user_id),
            amount_minor=checked_amount(amount, asset),
            currency=asset.code,
            expires_in_seconds=expires_in_seconds,
            description=checked_description(description),
            metadata=checked_metadata(metadata),
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
            checked_key(idempotent_key),
            checked_hold_id(hold_id),
            normalised_amount(amount),
            self._checked_counterparty(counterparty) if counterparty is not None else None,
            checked_user_id(to_user_id) if to_user_id is not None else None,
        )

    def void_command(self, idempotent_key: str, hold_id: str) -> VoidCommand:
        return VoidCommand(checked_key(idempotent_key), checked_hold_id(hold_id))

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

    def execute_hold(self, command: HoldCommand, also_write: AlsoWrite | None = None) -> HoldResult:
        asset = self._settings.asset(command.currency)
        key = (command.user_id, command.currency)
        hold_id = str(uuid.uuid4())

        def plan(accounts: dict[AccountKey, Account], _: str, now: str) -> Plan | None:
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
            return Plan(writes=(write,), system_entries=opening, new_hold=hold, answer_hold=hold)

        return result_of(command, *self._commit(command, Planner([key], plan, limited=(key,)), also_write=also_write))

    def execute_capture(self, command: CaptureCommand, also_write: AlsoWrite | None = None) -> HoldResult:
        def attempt(hold: Hold) -> tuple[KeyRecord, bool]:
            asset = self._settings.asset(hold.currency)
            amount = checked_amount(command.amount, asset) if command.amount is not None else hold.amount_minor
            if amount > hold.amount_minor:
                raise CaptureRefused(f"amount must not exceed the held {format_amount(hold.amount_minor, hold.scale)}")
            inner: TransactionCommand | TransferCommand
            if command.to_user_id is not None:
                if command.to_user_id == hold.user_id:
                    raise CaptureRefused("toUserId must be another user than the hold's")
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

    def execute_void(self, command: VoidCommand, also_write: AlsoWrite | None = None) -> HoldResult:
        def attempt(hold: Hold) -> tuple[KeyRecord, bool]:
            key = (hold.user_id, hold.currency)

            def plan(accounts: dict[AccountKey, Account], _: str, now: str) -> Plan | None:
                account, now_ms = accounts[key], epoch_ms(now)
                live = account.live_holds(now_ms)
                if hold.hold_id not in live:
                    raise HoldChanged()
                holds = {hold_id: value for hold_id, value in live.items() if hold_id != hold.hold_id}
                end = HoldEnding(hold, HoldStatus.VOIDED, now, now_ms)
                write = AccountWrite(account, account.balance_minor, account.updated_at, holds=holds)
                return Plan(writes=(write,), hold_ending=end, answer_hold=ended(hold, end))

            return self._commit(command, Planner([key], plan, limited=(key,)), also_write=also_write)

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

        def plan(accounts: dict[AccountKey, Account], _: str, now: str) -> Plan | None:
            account, now_ms = accounts[key], epoch_ms(now)
            end = HoldEnding(hold, HoldStatus.EXPIRED, now, now_ms)
            # live_holds already leaves out every expired hold: the map keeps the pending ones only.
            write = AccountWrite(account, account.balance_minor, account.updated_at, holds=account.live_holds(now_ms))
            return Plan(writes=(write,), hold_ending=end, answer_hold=ended(hold, end))

        return self._commit(command, Planner([key], plan, limited=()))  # the sweep is never limited

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
