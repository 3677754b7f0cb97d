"""Runtime settings, read from the environment when first needed (never at import).

Settings fail closed: anything unknown or malformed raises ConfigurationError instead of falling
back to a default that would trust more callers or move money in an asset nobody configured.
"""

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from wallet.errors import InvalidRequest
from wallet.money import MAX_SCALE, parse_opening_balance
from wallet.rate_limit import RateLimit, RateLimitSettingError, parse_rate_limit

ASSET_CODE_PATTERN = r"^[A-Z0-9_]{1,12}$"
SYSTEM_ACCOUNT_PATTERN = r"^[a-z][a-z0-9_-]{0,31}$"
AUTH_MODES = ("iam", "jwt")
TREASURY = "treasury"  # issues opening balances and funds credits by default
REVENUE = "revenue"  # receives debits by default
DEFAULT_SYSTEM_ACCOUNTS = (TREASURY, "promotions", REVENUE)
DEFAULT_ASSETS_JSON = (
    '[{"code": "USD", "scale": 2, "openingBalance": "100.00"},'
    ' {"code": "EUR", "scale": 2, "openingBalance": "0.00"},'
    ' {"code": "GOLD", "scale": 0, "openingBalance": "0"}]'
)
DEFAULT_CURRENCY = "USD"


class ConfigurationError(Exception):
    """The environment does not describe a valid service; nothing may run."""


@dataclass(frozen=True)
class Asset:
    code: str
    scale: int
    opening_minor: int


@dataclass(frozen=True)
class Settings:
    wallet_table: str = "Wallet"
    idempotency_table: str = "WalletIdempotency"
    auth_mode: str = "iam"  # "jwt": a caller acts for its own subject unless its token has admin_scope
    admin_scope: str = ""  # empty: no token is an admin
    read_scope: str = ""  # a token with it reads every account (operators); empty: only admins do
    assets: tuple[Asset, ...] = ()
    system_accounts: tuple[str, ...] = DEFAULT_SYSTEM_ACCOUNTS
    user_rate_limit: RateLimit | None = None  # movements per account; None: no limit

    def __post_init__(self) -> None:
        if not self.assets:
            object.__setattr__(self, "assets", parse_assets(DEFAULT_ASSETS_JSON))
        if self.auth_mode not in AUTH_MODES:
            raise ConfigurationError(f"WALLET_AUTH_MODE must be one of {AUTH_MODES}, not {self.auth_mode!r}")
        if DEFAULT_CURRENCY not in {asset.code for asset in self.assets}:
            raise ConfigurationError(f"WALLET_ASSETS must include {DEFAULT_CURRENCY}, the default currency")
        for name in self.system_accounts:
            if not re.fullmatch(SYSTEM_ACCOUNT_PATTERN, name):
                raise ConfigurationError(f"system account name {name!r} must match {SYSTEM_ACCOUNT_PATTERN}")
        if not {TREASURY, REVENUE} <= set(self.system_accounts) or len(set(self.system_accounts)) != len(
            self.system_accounts
        ):
            raise ConfigurationError(
                f"WALLET_SYSTEM_ACCOUNTS must be distinct names including {TREASURY} and {REVENUE}"
            )

    def asset(self, code: object) -> Asset:
        """The configured asset, or InvalidRequest (400) for an unknown code."""
        for asset in self.assets:
            if asset.code == code:
                return asset
        known = ", ".join(asset.code for asset in self.assets)
        raise InvalidRequest(f"currency must be one of {known}")


def parse_assets(text: str) -> tuple[Asset, ...]:
    """WALLET_ASSETS: a JSON list of {code, scale, openingBalance}."""
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ConfigurationError(f"WALLET_ASSETS is not JSON: {error}") from None
    if not isinstance(raw, list) or not raw:
        raise ConfigurationError("WALLET_ASSETS must be a non-empty JSON list")
    assets = []
    for entry in raw:
        if not isinstance(entry, dict) or set(entry) != {"code", "scale", "openingBalance"}:
            raise ConfigurationError("each asset must be an object with exactly code, scale and openingBalance")
        code, scale, opening = entry["code"], entry["scale"], entry["openingBalance"]
        if not isinstance(code, str) or not re.fullmatch(ASSET_CODE_PATTERN, code):
            raise ConfigurationError(f"asset code {code!r} must be 1-12 of [A-Z0-9_]")
        if isinstance(scale, bool) or not isinstance(scale, int) or not 0 <= scale <= MAX_SCALE:
            raise ConfigurationError(f"asset {code}: scale must be an integer from 0 to {MAX_SCALE}")
        if not isinstance(opening, str):
            raise ConfigurationError(f"asset {code}: openingBalance must be a decimal string")
        try:
            opening_minor = parse_opening_balance(opening, scale)
        except ValueError as error:
            raise ConfigurationError(f"asset {code}: {error}") from None
        assets.append(Asset(code, scale, opening_minor))
    if len({asset.code for asset in assets}) != len(assets):
        raise ConfigurationError("WALLET_ASSETS lists an asset code twice")
    return tuple(assets)


def _names(text: str) -> tuple[str, ...]:
    try:
        names = json.loads(text)
    except ValueError:
        names = None
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ConfigurationError("WALLET_SYSTEM_ACCOUNTS must be a JSON list of names")
    return tuple(names)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ
    in_lambda = "AWS_LAMBDA_FUNCTION_NAME" in env
    tables = {}
    for variable, default in (("WALLET_TABLE_NAME", "Wallet"), ("IDEMPOTENCY_TABLE_NAME", "WalletIdempotency")):
        value = env.get(variable) or ("" if in_lambda else default)
        if not value:  # in Lambda a missing name means a broken deployment, never the local default
            raise ConfigurationError(f"{variable} is not set")
        tables[variable] = value
    return Settings(
        wallet_table=tables["WALLET_TABLE_NAME"],
        idempotency_table=tables["IDEMPOTENCY_TABLE_NAME"],
        auth_mode=env.get("WALLET_AUTH_MODE", "iam"),
        admin_scope=env.get("WALLET_ADMIN_SCOPE", ""),
        read_scope=env.get("WALLET_READ_SCOPE", ""),
        assets=parse_assets(env.get("WALLET_ASSETS") or DEFAULT_ASSETS_JSON),
        system_accounts=_names(env["WALLET_SYSTEM_ACCOUNTS"])
        if env.get("WALLET_SYSTEM_ACCOUNTS")
        else DEFAULT_SYSTEM_ACCOUNTS,
        user_rate_limit=user_rate_limit(env.get("WALLET_USER_RATE_LIMIT"), env.get("WALLET_USER_RATE_BURST")),
    )


def user_rate_limit(rate: str | None, burst: str | None) -> RateLimit | None:
    """WALLET_USER_RATE_LIMIT (movements a second) and WALLET_USER_RATE_BURST; both unset: no limit."""
    try:
        return parse_rate_limit(rate, burst, "WALLET_USER_RATE_LIMIT", "WALLET_USER_RATE_BURST")
    except RateLimitSettingError as error:
        raise ConfigurationError(str(error)) from None
