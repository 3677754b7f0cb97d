"""The wallet's Python API, usable without Lambda.

    from wallet import get_current_balance, get_balances, transact, transfer, list_transactions

Tables, assets and endpoint come from the environment (WALLET_TABLE_NAME, WALLET_ASSETS,
AWS_ENDPOINT_URL_DYNAMODB; see docs/python-api.md).
"""

from functools import lru_cache
from typing import Any

from wallet.aws import dynamodb_client
from wallet.models import (
    Balance,
    HistoryPage,
    Hold,
    HoldPage,
    HoldResult,
    Movement,
    PostingsResult,
    ReversalResult,
    SystemBalance,
    TransactionResult,
    TransferResult,
)
from wallet.repository import WalletRepository
from wallet.service import WalletService
from wallet.settings import DEFAULT_CURRENCY, get_settings
from wallet.validation import HISTORY_DEFAULT_LIMIT


@lru_cache(maxsize=1)
def default_service() -> WalletService:
    settings = get_settings()
    return WalletService(WalletRepository(dynamodb_client(), settings.wallet_table), settings)


def get_current_balance(user_id: str, currency: str = DEFAULT_CURRENCY, at: str | None = None) -> Balance:
    """at: an ISO 8601 instant for the balance at that moment (default: now)."""
    return default_service().get_current_balance(user_id, currency, at)


def get_balances(user_id: str, at: str | None = None) -> list[Balance]:
    return default_service().get_balances(user_id, at)


def transact(idempotent_key: str, user_id: str, amount: object, type: str, **options: Any) -> TransactionResult:
    """options: currency="USD", counterparty (system account), description, metadata (dict of str)."""
    return default_service().transact(idempotent_key, user_id, amount, type, **options)


def transfer(idempotent_key: str, from_user_id: str, to_user_id: str, amount: object, **options: Any) -> TransferResult:
    """options: currency="USD", description, metadata (dict of str)."""
    return default_service().transfer(idempotent_key, from_user_id, to_user_id, amount, **options)


def post(
    idempotent_key: str,
    postings: list[dict[str, Any]],
    description: str | None = None,
    metadata: dict[str, str] | None = None,
) -> PostingsResult:
    """Several postings as one transaction, all or nothing; each posting is {"from": {"userId"} or
    {"systemAccount"}, "to": the same, "amount": "9.70", "currency": "USD" (default)}."""
    return default_service().post(idempotent_key, postings, description, metadata)


def get_transaction(transaction_id: str) -> Movement:
    """Any movement by its transactionId, with its postings and what has been reversed of it."""
    return default_service().get_movement(transaction_id)


def reverse(
    idempotent_key: str, transaction_id: str, amount: object = None, description: str | None = None
) -> ReversalResult:
    """Move back all that is left of a movement (or `amount` of it) between its two accounts."""
    return default_service().reverse(idempotent_key, transaction_id, amount, description)


def place_hold(idempotent_key: str, user_id: str, amount: object, **options: Any) -> HoldResult:
    """options: currency="USD", expires_in_seconds (60 to 2592000, default 7 days), description, metadata."""
    return default_service().place_hold(idempotent_key, user_id, amount, **options)


def capture_hold(idempotent_key: str, hold_id: str, amount: object = None, **options: Any) -> HoldResult:
    """options: counterparty (a system account, default revenue) or to_user_id."""
    return default_service().capture_hold(idempotent_key, hold_id, amount, **options)


def void_hold(idempotent_key: str, hold_id: str) -> HoldResult:
    return default_service().void_hold(idempotent_key, hold_id)


def get_hold(hold_id: str) -> tuple[Hold, int]:
    """The hold and the instant (epoch ms) its status is read at: hold.status(that instant)."""
    return default_service().get_hold(hold_id)


def list_holds(
    user_id: str, status: str | None = None, limit: int = HISTORY_DEFAULT_LIMIT, cursor: str | None = None
) -> HoldPage:
    return default_service().list_holds(user_id, status, limit, cursor)


def list_transactions(
    user_id: str,
    limit: int = HISTORY_DEFAULT_LIMIT,
    cursor: str | None = None,
    currency: str = DEFAULT_CURRENCY,
    start: str | None = None,
    end: str | None = None,
) -> HistoryPage:
    """start (inclusive) and end (exclusive): ISO 8601 instants bounding the entries' createdAt."""
    return default_service().list_transactions(user_id, limit, cursor, currency, start, end)


def get_system_balance(account: str, currency: str = DEFAULT_CURRENCY) -> SystemBalance:
    return default_service().get_system_balance(account, currency)


def get_system_balances() -> dict[str, list[SystemBalance]]:
    return default_service().get_system_balances()


def last_reconciliation() -> dict[str, Any]:
    """The last reconciliation run's outcome: ranAt, clean, items, each asset's sum, the first differences."""
    return default_service().last_reconciliation()
