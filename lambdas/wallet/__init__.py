"""The wallet's Python API, usable without Lambda.

    from wallet import get_current_balance, transact, list_transactions

Tables and endpoint come from WALLET_TABLE_NAME and AWS_ENDPOINT_URL_DYNAMODB (see README).
"""

from functools import lru_cache

from wallet.aws import dynamodb_client
from wallet.models import Balance, HistoryPage, TransactionResult
from wallet.repository import WalletRepository
from wallet.service import WalletService
from wallet.settings import get_settings
from wallet.validation import HISTORY_DEFAULT_LIMIT


@lru_cache(maxsize=1)
def default_service() -> WalletService:
    settings = get_settings()
    return WalletService(WalletRepository(dynamodb_client(), settings.wallet_table), settings)


def get_current_balance(user_id: str) -> Balance:
    return default_service().get_current_balance(user_id)


def transact(idempotent_key: str, user_id: str, amount: object, type: str) -> TransactionResult:
    return default_service().transact(idempotent_key, user_id, amount, type)


def list_transactions(user_id: str, limit: int = HISTORY_DEFAULT_LIMIT, cursor: str | None = None) -> HistoryPage:
    return default_service().list_transactions(user_id, limit, cursor)
