"""Credits, debits and transfers: their commands and how each is planned."""

from typing import Any

from wallet.errors import (
    InvalidRequest,
)
from wallet.models import (
    Account,
    AccountKey,
    EntryType,
    Hold,
    HoldStatus,
    LedgerEntry,
    PostingsCommand,
    TransactionCommand,
    TransactionResult,
    TransferCommand,
    TransferResult,
)
from wallet.repository import (
    AccountWrite,
    HoldChanged,
    HoldEnding,
    ReversalBudget,
)
from wallet.service.checks import (
    checked_amount,
    checked_description,
    checked_key,
    checked_metadata,
    checked_user_id,
    ended,
    epoch_ms,
)
from wallet.service.commit import (
    AlsoWrite,
    MovementCommitter,
    Plan,
    Planner,
    result_of,
)
from wallet.settings import DEFAULT_CURRENCY, REVENUE, TREASURY


class Movements(MovementCommitter):
    def movement_command(self, payload: dict[str, Any]) -> TransactionCommand | TransferCommand | PostingsCommand:
        """A credit, debit or transfer from its request payload (the route's body, or a queued request);
        wallet.service.postings adds postings transactions."""
        options = {name: payload[name] for name in ("currency", "description", "metadata")}
        key, amount = payload["idempotentKey"], payload["amount"]
        if payload["operation"] == "transfer":
            return self.transfer_command(key, payload["fromUserId"], payload["toUserId"], amount, **options)
        return self.transaction_command(
            key, payload["userId"], amount, payload["type"], counterparty=payload["counterparty"], **options
        )

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
        key = checked_key(idempotent_key)
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
            user_id=checked_user_id(user_id),
            type=entry_type,
            amount_minor=checked_amount(amount, asset),
            currency=asset.code,
            counterparty=self._checked_counterparty(counterparty),
            description=checked_description(description),
            metadata=checked_metadata(metadata),
        )

    def planner_of(self, command: TransactionCommand | TransferCommand | PostingsCommand) -> Planner:
        """How a movement that may join a group commit is planned (wallet.service.postings adds postings)."""
        assert not isinstance(command, PostingsCommand)
        return self._movement_plan(command)

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
        key = checked_key(idempotent_key)
        from_user_id, to_user_id = checked_user_id(from_user_id), checked_user_id(to_user_id)
        if from_user_id == to_user_id:
            raise InvalidRequest("fromUserId and toUserId must differ")
        asset = self._settings.asset(currency)
        return TransferCommand(
            idempotent_key=key,
            from_user_id=from_user_id,
            to_user_id=to_user_id,
            amount_minor=checked_amount(amount, asset),
            currency=asset.code,
            description=checked_description(description),
            metadata=checked_metadata(metadata),
        )

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
        self, command: TransactionCommand, also_write: AlsoWrite | None = None
    ) -> TransactionResult:
        """also_write (every execute_* takes it): given the answer a commit would give, one more item for
        the movement's transaction (the HTTP layer's cached answer); called before each attempt."""
        return result_of(command, *self._commit(command, self._movement_plan(command), also_write=also_write))

    def execute_transfer(self, command: TransferCommand, also_write: AlsoWrite | None = None) -> TransferResult:
        return result_of(command, *self._commit(command, self._movement_plan(command), also_write=also_write))

    def _movement_plan(
        self,
        command: TransactionCommand | TransferCommand,
        reversal_of: str | None = None,
        budget: ReversalBudget | None = None,
        capture: Hold | None = None,
    ) -> Planner:
        """What one attempt at a credit, debit or transfer writes, given the balances read; None to decline.

        Money leaves an account only up to its available balance (balance minus pending holds). A capture
        takes the money of its own hold, which it releases in the same write."""
        asset = self._settings.asset(command.currency)
        plain = reversal_of is None and budget is None and capture is None  # reversals and captures go direct

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

            def plan(accounts: dict[AccountKey, Account], transaction_id: str, now: str) -> Plan | None:
                account = accounts[key]
                spendable, holds = paying(account, now, transaction_id)
                if signed < 0 and spendable + signed < 0:
                    return None
                leg = self._system_entry(
                    command, command.counterparty, -signed, transaction_id, "movement", command.user_id, now
                )
                hold_ending, answer = ending(transaction_id, now, command.counterparty)
                return Plan(
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

            return Planner([key], plan, limited=(key,), batchable=plain)

        source_key, target_key = (command.from_user_id, command.currency), (command.to_user_id, command.currency)

        def transfer_plan(accounts: dict[AccountKey, Account], transfer_id: str, now: str) -> Plan | None:
            source, target = accounts[source_key], accounts[target_key]
            spendable, holds = paying(source, now, transfer_id)
            if spendable < command.amount_minor:
                return None
            out_entry = entry(source, EntryType.TRANSFER_OUT, transfer_id, now, target.user_id)
            in_entry = entry(target, EntryType.TRANSFER_IN, transfer_id, now, source.user_id)
            hold_ending, answer = ending(transfer_id, now, target.user_id)
            return Plan(
                writes=(AccountWrite.for_entry(source, out_entry, holds), AccountWrite.for_entry(target, in_entry)),
                system_entries=(
                    *self._opening(command, source, asset, transfer_id, now),
                    *self._opening(command, target, asset, transfer_id, now),
                ),
                budget=budget,
                hold_ending=hold_ending,
                answer_hold=answer,
            )

        return Planner([source_key, target_key], transfer_plan, limited=(source_key,), batchable=plain)
