"""The hash chains as a whole: their heads (what a ledger digest covers) and starting the chain of
accounts whose entries were written before chains existed (`make chain`)."""

from wallet.chain import Head, previous_hash
from wallet.repository import account_from_item
from wallet.service.commit import MovementCommitter


class Chains(MovementCommitter):
    def chain_heads(self) -> list[Head]:
        """Every chained account's head, read by one filtered scan of the balance items."""
        heads = (Head.of(account_from_item(item)) for item in self._repository.balance_items())
        return [head for head in heads if head is not None]

    def start_chains(self) -> tuple[int, int]:
        """Starts the chain of every account with entries but no chain head, from its current state (the
        hash of its last entry's sequence and balance: wallet.chain.start_hash). Resumable: an account
        that has a head is left alone, and an account's next movement starts its chain the same way.
        Returns (chains started, accounts already chained)."""
        started = already = 0
        for item in self._repository.balance_items():
            account = account_from_item(item)
            if account.entries == 0:
                continue
            if account.head_hash is not None:
                already += 1
                continue
            while account.head_hash is None:
                scale = self._settings.asset(account.currency).scale
                if self._repository.start_chain(account, previous_hash(account, scale)):
                    started += 1
                    break
                fresh = self._repository.get_account(account.user_id, account.currency)
                if fresh is None:
                    break
                account = fresh
            else:
                already += 1  # a movement started it meanwhile
        return started, already
