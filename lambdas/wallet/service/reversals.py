"""Reversals: money moved back between an earlier movement's accounts, within its budget."""

from wallet.errors import (
    InvalidRequest,
    NotFound,
    ReversalExceedsOriginal,
    ServiceUnavailable,
)
from wallet.models import (
    EntryType,
    KeyRecord,
    Outcome,
    ReversalCommand,
    ReversalResult,
    TransactionCommand,
    TransferCommand,
    canonical_json,
)
from wallet.money import format_amount
from wallet.repository import (
    ReversalBudget,
    ReversalBudgetChanged,
)
from wallet.service.checks import (
    checked_amount,
    checked_description,
    checked_key,
    normalised_amount,
)
from wallet.service.commit import (
    AlsoWrite,
    result_of,
)
from wallet.service.movements import Movements


class Reversals(Movements):
    def reversal_command(
        self, idempotent_key: str, transaction_id: str, amount: object = None, description: str | None = None
    ) -> ReversalCommand:
        """Validate a reversal; amount None means all that is still reversible."""
        if not isinstance(transaction_id, str) or not 1 <= len(transaction_id) <= 64:
            raise InvalidRequest("transactionId must be the id of a movement")
        return ReversalCommand(
            checked_key(idempotent_key), transaction_id, normalised_amount(amount), checked_description(description)
        )

    def reverse(
        self, idempotent_key: str, transaction_id: str, amount: object = None, description: str | None = None
    ) -> ReversalResult:
        """Move money back between the two accounts of an earlier movement, once per key; all reversals of
        one movement together never move back more than it moved."""
        return self.execute_reversal(self.reversal_command(idempotent_key, transaction_id, amount, description))

    def execute_reversal(self, command: ReversalCommand, also_write: AlsoWrite | None = None) -> ReversalResult:
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
        self, command: ReversalCommand, original: KeyRecord, also_write: AlsoWrite | None
    ) -> tuple[KeyRecord, bool]:
        first = original.entries[0]
        if first.reversal_of is not None:
            raise InvalidRequest("A reversal cannot itself be reversed; make a new movement instead.")
        asset = self._settings.asset(first.currency)
        left = first.amount_minor - original.reversed_minor
        amount = checked_amount(command.amount, asset) if command.amount is not None else left
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
