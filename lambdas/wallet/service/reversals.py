"""Reversals: money moved back between an earlier movement's accounts, within its budget."""

import json
from dataclasses import replace

from wallet.errors import (
    InvalidRequest,
    NotFound,
    ReversalExceedsOriginal,
    ReversalWholeOnly,
    ServiceUnavailable,
)
from wallet.models import (
    Account,
    AccountKey,
    EntryType,
    KeyRecord,
    Outcome,
    PostingsCommand,
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
    Plan,
    PlanFunction,
    Planner,
    result_of,
)
from wallet.service.postings import Postings


class Reversals(Postings):
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
        if json.loads(original.request)["operation"] == PostingsCommand.operation:
            return self._reverse_postings(command, original, also_write)
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

    def _reverse_postings(
        self, command: ReversalCommand, original: KeyRecord, also_write: AlsoWrite | None
    ) -> tuple[KeyRecord, bool]:
        """A postings transaction is reversed whole, in one transaction: every posting back from its payee to
        its payer. Its budget moves from 0 to 1 (reversed), so it is reversed once at most."""
        if command.amount is not None:
            raise ReversalWholeOnly("A postings transaction is reversed whole: send no amount.")
        if original.reversed_minor:
            raise ReversalExceedsOriginal("This postings transaction has been reversed already.")
        postings = self.movement_of(original).postings
        inner = PostingsCommand(
            command.idempotent_key,
            tuple(replace(posting, source=posting.target, target=posting.source) for posting in postings),
            command.description,
            None,
        )
        budget = ReversalBudget(original.idempotent_key, 0, 1)
        planner = self._postings_plan(inner, reversal_of=original.entries[0].transaction_id)
        return self._commit(command, replace(planner, plan=_with_budget(planner, budget)), also_write=also_write)


def _with_budget(planner: Planner, budget: ReversalBudget) -> PlanFunction:
    def plan(accounts: dict[AccountKey, Account], transaction_id: str, now: str) -> Plan | None:
        planned = planner.plan(accounts, transaction_id, now)
        return None if planned is None else replace(planned, budget=budget)

    return plan
