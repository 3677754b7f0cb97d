"""Reads: balances now and at an instant, history pages, holds."""

from wallet.chain import GENESIS_HASH
from wallet.errors import (
    HoldNotFound,
    InvalidRequest,
)
from wallet.models import (
    Account,
    Balance,
    EntryType,
    HistoryPage,
    Hold,
    HoldPage,
    HoldStatus,
    LedgerEntry,
)
from wallet.money import to_decimal
from wallet.service.checks import (
    checked_hold_id,
    checked_user_id,
    decode_cursor,
    decode_hold_cursor,
    encode_cursor,
    encode_hold_cursor,
    epoch_ms,
    parse_instant,
    timestamp,
)
from wallet.service.commit import (
    MovementCommitter,
)
from wallet.settings import DEFAULT_CURRENCY, Asset
from wallet.validation import (
    HISTORY_DEFAULT_LIMIT,
    HISTORY_MAX_LIMIT,
)


class Reads(MovementCommitter):
    def get_current_balance(self, user_id: str, currency: str = DEFAULT_CURRENCY, at: str | None = None) -> Balance:
        """The user's balance in one asset, now or right after the last entry at or before the instant `at`
        (ISO 8601); an account without entries has the opening balance. Writes nothing."""
        asset = self._settings.asset(currency)
        user_id = checked_user_id(user_id)
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
            head_sequence=account.entries,
            head_hash=account.head_hash if account.entries else GENESIS_HASH,
        )

    def get_balances(self, user_id: str, at: str | None = None) -> list[Balance]:
        """The user's balance in every configured asset: now in one read, or at an instant (one query each)."""
        user_id = checked_user_id(user_id)
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
        user_id = checked_user_id(user_id)
        asset = self._settings.asset(currency)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise InvalidRequest(f"limit must be an integer from 1 to {HISTORY_MAX_LIMIT}")
        before = decode_cursor(cursor, user_id, asset.code) if cursor is not None else None
        if start is None and end is None:
            entries, has_more = self._repository.list_entries(user_id, asset.code, limit, before and before[0])
        else:
            window_start = parse_instant(start, "from", round_up=True) if start is not None else ""
            window_end = parse_instant(end, "to", round_up=True) if end is not None else "~"  # "~" follows all
            last = self._cursor_entry(user_id, asset.code, before) if before else None
            if window_start >= window_end:  # a window that ends before it starts holds no entries
                entries, has_more = [], False
            else:
                entries, has_more = self._repository.list_entries_between(
                    user_id, asset.code, window_start, window_end, limit, last
                )
        next_cursor = encode_cursor(user_id, asset.code, entries[-1]) if has_more and entries else None
        return HistoryPage(entries=entries, next_cursor=next_cursor)

    def _cursor_entry(self, user_id: str, currency: str, before: tuple[int, str]) -> LedgerEntry:
        """Enough of the previous page's last entry to continue a query on the ByTime index after it."""
        sequence, created_at = before
        return LedgerEntry("", "", user_id, currency, 0, EntryType.CREDIT, 0, 0, sequence, created_at, "")

    def get_hold(self, hold_id: str) -> tuple[Hold, int]:
        """The hold and the instant (epoch ms) its status was read at."""
        hold = self._repository.get_hold(checked_hold_id(hold_id))
        if hold is None:
            raise HoldNotFound(f"No hold with holdId {hold_id!r}.")
        return hold, epoch_ms(timestamp(self._clock()))

    def list_holds(
        self, user_id: str, status: str | None = None, limit: int = HISTORY_DEFAULT_LIMIT, cursor: str | None = None
    ) -> HoldPage:
        user_id = checked_user_id(user_id)
        try:
            wanted = HoldStatus(status) if status is not None else None
        except ValueError:
            raise InvalidRequest("status must be pending, captured, voided or expired") from None
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= HISTORY_MAX_LIMIT:
            raise InvalidRequest(f"limit must be an integer from 1 to {HISTORY_MAX_LIMIT}")
        after = decode_hold_cursor(cursor, user_id) if cursor is not None else None
        now_ms = epoch_ms(timestamp(self._clock()))
        holds, last = self._repository.list_holds(user_id, wanted, now_ms, limit, after)
        return HoldPage(holds=holds, as_of_ms=now_ms, next_cursor=encode_hold_cursor(user_id, last) if last else None)
