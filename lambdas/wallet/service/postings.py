"""Transactions of many postings: one business event (an order with a fee, a split payout, an exchange
between assets) as several postings that commit in one DynamoDB transaction, or not at all.

Each posting moves an amount of one asset from a user or system account to another. Every user side writes
its own ledger entry (one per posting, so an account in three postings gets three entries, each with the
exact balance after it and chained to the one before; an account's receipts come before its payments, so
no balance on the way is below zero); every system side writes its own leg. What a user
may spend is judged on its net per asset: a buyer who pays 10.00 and is refunded 2.00 in the same
transaction needs 8.00 available. Limits keep the transaction within DynamoDB's 100 items (see MAX_*).
"""

import json
from dataclasses import replace
from typing import Any

from wallet.errors import InvalidRequest, NotFound
from wallet.models import (
    Account,
    AccountKey,
    EntryType,
    KeyRecord,
    LedgerEntry,
    Movement,
    Outcome,
    Party,
    Posting,
    PostingsCommand,
    PostingsResult,
    SystemEntry,
    TransactionCommand,
    TransferCommand,
    posting_of,
)
from wallet.money import format_amount
from wallet.repository import AccountWrite
from wallet.service.checks import (
    checked_amount,
    checked_description,
    checked_key,
    checked_metadata,
    checked_user_id,
    epoch_ms,
)
from wallet.service.commit import AlsoWrite, Plan, Planner, result_of
from wallet.service.movements import Movements
from wallet.settings import DEFAULT_CURRENCY

# One transaction holds at most 100 items: the key record, the cached answer, and per user account its
# balance and (the first time it is written) the treasury's opening leg, plus one entry or leg per side of
# each posting: 2 + 2 x 20 + 2 x 20 = 82, which leaves room for a group commit's lease item.
MAX_POSTINGS = 20
MAX_POSTING_ACCOUNTS = 20  # distinct user accounts (user and asset)
POSTING_LEG = "posting:"  # a system side's leg: posting:<index in the transaction>


class Postings(Movements):
    def postings_command(
        self,
        idempotent_key: str,
        postings: object,
        description: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> PostingsCommand:
        """Validate a postings transaction: postings is a list of {"from", "to", "amount", "currency"}, where
        from and to each name exactly one of userId or systemAccount."""
        key = checked_key(idempotent_key)
        if not isinstance(postings, list) or not postings:
            raise InvalidRequest("postings must be a list of at least one posting")
        if len(postings) > MAX_POSTINGS:
            raise InvalidRequest(f"A transaction holds at most {MAX_POSTINGS} postings")
        command = PostingsCommand(
            idempotent_key=key,
            postings=tuple(self._checked_posting(posting, index) for index, posting in enumerate(postings)),
            description=checked_description(description),
            metadata=checked_metadata(metadata),
        )
        if len(command.user_accounts()) > MAX_POSTING_ACCOUNTS:
            raise InvalidRequest(f"A transaction touches at most {MAX_POSTING_ACCOUNTS} user accounts (user and asset)")
        return command

    def _checked_posting(self, posting: object, index: int) -> Posting:
        where = f"postings[{index}]"
        if not isinstance(posting, dict):
            raise InvalidRequest(f"{where} must be an object with from, to and amount")
        unknown = set(posting) - {"from", "to", "amount", "currency"}
        if unknown:
            raise InvalidRequest(f"{where} has unknown fields: {', '.join(sorted(unknown))}")
        asset = self._settings.asset(posting.get("currency", DEFAULT_CURRENCY))
        source = self._checked_party(posting.get("from"), f"{where}.from")
        target = self._checked_party(posting.get("to"), f"{where}.to")
        if source == target:
            raise InvalidRequest(f"{where}: from and to must differ")
        if source.user_id is None and target.user_id is None:
            raise InvalidRequest(f"{where}: a posting moves money to or from a user (a userId on one side at least)")
        return Posting(source, target, checked_amount(posting.get("amount"), asset), asset.code)

    def _checked_party(self, party: object, where: str) -> Party:
        if not isinstance(party, dict) or len(party) != 1 or not ({"userId", "systemAccount"} & set(party)):
            raise InvalidRequest(f"{where} must name exactly one of userId or systemAccount")
        if "userId" in party:
            return Party(user_id=checked_user_id(party["userId"]))
        return Party(system_account=self._checked_counterparty(party["systemAccount"]))

    def post(
        self,
        idempotent_key: str,
        postings: list[dict[str, Any]],
        description: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> PostingsResult:
        """Commit every posting together once per key, forever; InsufficientFunds (nothing written) if any
        user's net outflow in an asset exceeds its available balance."""
        return self.execute_postings(self.postings_command(idempotent_key, postings, description, metadata))

    def execute_postings(self, command: PostingsCommand, also_write: AlsoWrite | None = None) -> PostingsResult:
        planner = self._postings_plan(command)
        return result_of(command, *self._commit(command, planner, also_write=also_write))

    # A queued postings transaction (a hot payee's group commit) is rebuilt and planned like the others.

    def movement_command(self, payload: dict[str, Any]) -> TransactionCommand | TransferCommand | PostingsCommand:
        if payload["operation"] == PostingsCommand.operation:
            return self.postings_command(
                payload["idempotentKey"], payload["postings"], payload["description"], payload["metadata"]
            )
        return super().movement_command(payload)

    def planner_of(self, command: TransactionCommand | TransferCommand | PostingsCommand) -> Planner:
        if isinstance(command, PostingsCommand):
            return self._postings_plan(command)
        return self._movement_plan(command)

    def _postings_plan(self, command: PostingsCommand, reversal_of: str | None = None) -> Planner:
        """Every posting in order against the accounts as the postings before it left them: each user side
        its entry, each system side its leg; one balance update per account with its final state."""
        keys = command.user_accounts()
        net = command.net_minor()
        payers = [key for key in keys if net[key] < 0]

        def short(accounts: dict[AccountKey, Account], now: str) -> AccountKey | None:
            """The first account whose net outflow exceeds what it may spend."""
            now_ms = epoch_ms(now)
            return next((key for key in payers if accounts[key].available_minor(now_ms) + net[key] < 0), None)

        def plan(accounts: dict[AccountKey, Account], transaction_id: str, now: str) -> Plan | None:
            if short(accounts, now) is not None:
                return None
            states = {key: accounts[key] for key in keys}
            entries: dict[AccountKey, list[LedgerEntry]] = {key: [] for key in keys}
            legs: list[SystemEntry] = []
            # Each account takes what it receives before it pays (postings in order within each side), so
            # no balanceAfter on the way dips below zero: the last one is the account's net, already checked.
            sides = [(index, posting, False) for index, posting in enumerate(command.postings)]
            sides += [(index, posting, True) for index, posting in enumerate(command.postings)]
            for index, posting, paying in sides:
                party, other = (posting.source, posting.target) if paying else (posting.target, posting.source)
                if party.user_id is None:  # a system side: its leg, beside the user on the other side
                    legs.append(
                        self._system_entry(
                            command,
                            party.name,
                            -posting.amount_minor if paying else posting.amount_minor,
                            transaction_id,
                            f"{POSTING_LEG}{index}",
                            str(other.user_id),
                            now,
                            currency=posting.currency,
                        )
                    )
                    continue
                key = (party.user_id, posting.currency)
                if other.user_id is not None:
                    kind = EntryType.TRANSFER_OUT if paying else EntryType.TRANSFER_IN
                else:
                    kind = EntryType.DEBIT if paying else EntryType.CREDIT
                entry = self._entry(
                    command,
                    states[key],
                    self._settings.asset(posting.currency),
                    kind,
                    transaction_id,
                    now,
                    other.name,
                    reversal_of,
                    amount_minor=posting.amount_minor,
                )
                entries[key].append(entry)
                states[key] = replace(
                    states[key],
                    balance_minor=entry.balance_after_minor,
                    entry_count=entry.sequence,
                    head_hash=entry.hash,
                )
            writes = tuple(
                AccountWrite(
                    accounts[key],
                    states[key].balance_minor,
                    now,
                    entry=entries[key][-1],
                    earlier=tuple(entries[key][:-1]),
                )
                for key in keys
            )
            openings = tuple(
                leg
                for key in keys
                for leg in self._opening(command, accounts[key], self._settings.asset(key[1]), transaction_id, now)
            )
            return Plan(writes=writes, system_entries=(*legs, *openings))

        def declined(accounts: dict[AccountKey, Account], now: str) -> str:
            key = short(accounts, now)
            user, currency = key if key is not None else payers[0]
            scale = self._settings.asset(currency).scale
            return (
                f"The postings take {format_amount(-net[(user, currency)], scale)} {currency} from user {user}, "
                "more than its available balance."
            )

        return Planner(
            keys,
            plan,
            limited=tuple(self._first_per_user(payers)),
            batchable=reversal_of is None,
            declined_message=declined,
        )

    def get_movement(self, transaction_id: str) -> Movement:
        """Any applied movement by its transactionId, with its postings; NotFound for an unknown id."""
        if not isinstance(transaction_id, str) or not 1 <= len(transaction_id) <= 64:
            raise InvalidRequest("transactionId must be the id of a movement")
        record = self._repository.find_movement(transaction_id)
        if record is None or record.outcome is not Outcome.APPLIED or not record.entries:
            raise NotFound(f"No movement with transactionId {transaction_id!r}.")
        return self.movement_of(record)

    def movement_of(self, record: KeyRecord) -> Movement:
        request = json.loads(record.request)
        first = record.entries[0]
        if request["operation"] == PostingsCommand.operation:
            command = self.postings_command(
                record.idempotent_key, request["postings"], request["description"], request["metadata"]
            )
            postings = command.postings
            reversed_minor: dict[str, int] = {}
            if record.reversed_minor:  # reversed whole
                for posting in postings:
                    reversed_minor[posting.currency] = reversed_minor.get(posting.currency, 0) + posting.amount_minor
            kind = "postings"
        else:
            postings = tuple(posting_of(entry) for entry in record.entries if entry.type is not EntryType.TRANSFER_IN)
            reversed_minor = {first.currency: record.reversed_minor} if record.reversed_minor else {}
            # A transaction is a credit or a debit; every other operation is named as it is.
            kind = first.type.value if request["operation"] == "transaction" else request["operation"]
        return Movement(
            type=kind,
            postings=postings,
            entries=record.entries,
            idempotent_key=record.idempotent_key,
            created_at=first.created_at,
            description=first.description,
            metadata=first.metadata,
            reversed_minor=reversed_minor,
        )

    @staticmethod
    def _first_per_user(keys: list[AccountKey]) -> list[AccountKey]:
        """One account per user: the rate limit counts a transaction once for each user who pays."""
        first: dict[str, AccountKey] = {}
        for key in keys:
            first.setdefault(key[0], key)
        return list(first.values())
