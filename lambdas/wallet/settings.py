"""Runtime settings, read from the environment when first needed (never at import)."""

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    wallet_table: str
    idempotency_table: str
    auth_mode: str = "iam"  # "jwt": a caller may act only for the userId equal to its token subject
    currency: str = "USD"
    initial_balance: Decimal = Decimal("100.00")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings(
        wallet_table=os.environ.get("WALLET_TABLE_NAME", "Wallet"),
        idempotency_table=os.environ.get("IDEMPOTENCY_TABLE_NAME", "WalletIdempotency"),
        auth_mode=os.environ.get("WALLET_AUTH_MODE", "iam"),
    )
