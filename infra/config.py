"""Stack settings from CDK context (cdk.json or `-c key=value`), with documented defaults."""

import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from wallet.rate_limit import RateLimitSettingError, parse_rate_limit
from wallet.settings import DEFAULT_ASSETS_JSON, DEFAULT_SYSTEM_ACCOUNTS, ConfigurationError, Settings, parse_assets

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
AUTH_MODES = ("iam", "jwt")


@dataclass(frozen=True)
class WalletConfig:
    stage_name: str = "$default"
    throttle_rate_limit: float = 100.0  # requests per second, steady state, for the whole stage
    throttle_burst_limit: int = 200
    auth_mode: str = "iam"  # "iam" (SigV4 callers) or "jwt" (a caller acts only for its own subject)
    jwt_issuer: str = ""
    jwt_audience: tuple[str, ...] = ()
    removal_policy: str = "retain"  # "destroy" only for throwaway stacks: it deletes the ledger
    log_retention_days: int = 30
    admin_scope: str = ""  # jwt mode: the token scope that may credit, pick counterparties, read system accounts
    read_scope: str = ""  # jwt mode: the token scope that reads every account (the console's operators)
    console_client_id: str = ""  # jwt mode: the console's OAuth client (default: the first audience)
    console_token_origin: str = ""  # jwt mode: the sign-in's token endpoint host when it is not the issuer's
    assets_json: str = DEFAULT_ASSETS_JSON  # [{code, scale, openingBalance}], passed to the functions as is
    system_accounts: tuple[str, ...] = DEFAULT_SYSTEM_ACCOUNTS
    alarm_email: str = ""  # subscribed to the alarm topic when set
    # Per function: {"default": n, "<Function>": n}. Bounds what one function can take of the account's
    # Lambda concurrency and, through it, of DynamoDB's capacity. 0 leaves a function unreserved.
    reserved_concurrency: tuple[tuple[str, int], ...] = (
        ("default", 20),
        ("Transact", 50),
        ("Transfer", 50),
        ("StreamEvents", 5),
        ("Reconcile", 1),
    )
    reconcile_schedule: str = "cron(0 3 * * ? *)"  # EventBridge Scheduler expression (UTC)
    # How long S3 Object Lock (compliance mode) keeps each ledger digest unchangeable and undeletable,
    # by anyone, the account's root user included.
    digest_retention_days: int = 365
    snap_start: bool = True  # API functions restore from SnapStart snapshots of published versions
    # Movements a second per account and the burst above it, passed to the functions as text; "": no limit.
    user_rate_limit: str = ""
    user_rate_burst: str = ""

    def __post_init__(self) -> None:
        try:  # the functions' own rules, so a stack never deploys settings its functions would refuse
            Settings(assets=parse_assets(self.assets_json), system_accounts=self.system_accounts)
        except ConfigurationError as error:
            raise ValueError(f"wallet:assets / wallet:systemAccounts: {error}") from None
        if self.auth_mode not in AUTH_MODES:
            raise ValueError(f"wallet:authMode must be one of {AUTH_MODES}, not {self.auth_mode!r}")
        if self.auth_mode == "jwt" and not (self.jwt_issuer and self.jwt_audience):
            raise ValueError("wallet:authMode=jwt needs wallet:jwtIssuer and wallet:jwtAudience")
        if self.removal_policy not in ("retain", "destroy"):
            raise ValueError("wallet:removalPolicy must be 'retain' or 'destroy'")
        if self.log_retention_days not in _RETENTION:
            raise ValueError(f"wallet:logRetentionDays must be one of {sorted(_RETENTION)}")
        if self.throttle_rate_limit <= 0 or self.throttle_burst_limit <= 0:
            raise ValueError("wallet:throttleRateLimit and wallet:throttleBurstLimit must be positive")
        if any(not isinstance(limit, int) or limit < 0 for _, limit in self.reserved_concurrency):
            raise ValueError("wallet:reservedConcurrency values must be whole numbers >= 0")
        try:  # the functions' own parser, so a stack never deploys a limit its functions would refuse
            parse_rate_limit(self.user_rate_limit, self.user_rate_burst, "wallet:userRateLimit", "wallet:userRateBurst")
        except RateLimitSettingError as error:
            raise ValueError(str(error)) from None
        if not 1 <= self.digest_retention_days <= 36500:
            raise ValueError("wallet:digestRetentionDays must be a whole number of days from 1 to 36500")
        if not self.reconcile_schedule.startswith(("cron(", "rate(", "at(")):
            raise ValueError("wallet:reconcileSchedule must be a Scheduler expression: cron(...), rate(...), at(...)")

    def reserved_concurrency_for(self, function: str) -> int | None:
        limits = dict(self.reserved_concurrency)
        limit = limits.get(function, limits.get("default", 0))
        return limit or None

    @property
    def retain_data(self) -> bool:
        return self.removal_policy == "retain"

    @property
    def cdk_removal_policy(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.retain_data else RemovalPolicy.DESTROY

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _RETENTION[self.log_retention_days]

    @classmethod
    def from_context(cls, scope: Construct) -> "WalletConfig":
        def get(key: str, default: Any) -> Any:
            value = scope.node.try_get_context(f"wallet:{key}")
            return default if value is None or value == "" else value

        defaults = cls()
        audience = get("jwtAudience", list(defaults.jwt_audience))
        assets = get("assets", defaults.assets_json)
        accounts = get("systemAccounts", list(defaults.system_accounts))
        return cls(
            stage_name=str(get("stageName", defaults.stage_name)),
            throttle_rate_limit=float(get("throttleRateLimit", defaults.throttle_rate_limit)),
            throttle_burst_limit=int(get("throttleBurstLimit", defaults.throttle_burst_limit)),
            auth_mode=str(get("authMode", defaults.auth_mode)),
            jwt_issuer=str(get("jwtIssuer", defaults.jwt_issuer)),
            jwt_audience=tuple(audience.split(",") if isinstance(audience, str) else audience),
            removal_policy=str(get("removalPolicy", defaults.removal_policy)),
            log_retention_days=int(get("logRetentionDays", defaults.log_retention_days)),
            admin_scope=str(get("adminScope", defaults.admin_scope)),
            read_scope=str(get("readScope", defaults.read_scope)),
            console_client_id=str(get("consoleClientId", defaults.console_client_id)),
            console_token_origin=str(get("consoleTokenOrigin", defaults.console_token_origin)),
            assets_json=assets if isinstance(assets, str) else json.dumps(assets),
            system_accounts=tuple(accounts.split(",") if isinstance(accounts, str) else accounts),
            alarm_email=str(get("alarmEmail", defaults.alarm_email)),
            reserved_concurrency=_concurrency(get("reservedConcurrency", None), defaults.reserved_concurrency),
            reconcile_schedule=str(get("reconcileSchedule", defaults.reconcile_schedule)),
            digest_retention_days=int(get("digestRetentionDays", defaults.digest_retention_days)),
            snap_start=str(get("snapStart", defaults.snap_start)).lower() not in ("false", "0", "no"),
            user_rate_limit=str(get("userRateLimit", defaults.user_rate_limit)),
            user_rate_burst=str(get("userRateBurst", defaults.user_rate_burst)),
        )

    @property
    def console_environment(self) -> dict[str, str]:
        """How the console signs in: the JWT issuer and the client it uses, or nothing it can do in IAM mode."""
        if self.auth_mode != "jwt":
            return {"WALLET_CONSOLE_SIGN_IN": "iam"}
        return {
            "WALLET_CONSOLE_SIGN_IN": "jwt",
            "WALLET_JWT_ISSUER": self.jwt_issuer,
            "WALLET_CONSOLE_CLIENT_ID": self.console_client_id or self.jwt_audience[0],
            "WALLET_CONSOLE_TOKEN_ORIGIN": self.console_token_origin,
        }

    @property
    def rate_limit_environment(self) -> dict[str, str]:
        """The limit for the functions' environment; nothing when no limit is set."""
        settings = {"WALLET_USER_RATE_LIMIT": self.user_rate_limit, "WALLET_USER_RATE_BURST": self.user_rate_burst}
        return {name: value for name, value in settings.items() if value}


def _concurrency(value: Any, defaults: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    """A number (every function) or an object of per-function limits laid over the defaults."""
    if value is None:
        return defaults
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return (("default", int(value)),)
    if isinstance(value, dict):
        return tuple({**dict(defaults), **{str(name): int(limit) for name, limit in value.items()}}.items())
    raise ValueError("wallet:reservedConcurrency must be a number or an object of per-function numbers")
