"""GET /system-accounts, GET /system-accounts/{name}/balance?currency=USD and GET /reconciliation (the books
check): in JWT mode for tokens with the admin or the read scope."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_operator
from api.entry import lambda_entry
from api.read_schemas import (
    ReconciliationResponse,
    SystemAccountBalances,
    SystemAccountsResponse,
    SystemBalanceResponse,
    SystemCurrencyBalance,
)
from api.resolver import build_resolver
from api.routes import RECONCILIATION, SYSTEM_ACCOUNTS, SYSTEM_BALANCE
from api.schemas import error_responses
from handlers import imports_done
from wallet.settings import ASSET_CODE_PATTERN, DEFAULT_CURRENCY, SYSTEM_ACCOUNT_PATTERN

router = APIGatewayHttpRouter()
ACTION = "Reading system accounts"


@router.route(
    SYSTEM_ACCOUNTS.resolver_path,
    method=SYSTEM_ACCOUNTS.method,
    summary="Every system account's balance in every asset",
    responses={200: {"description": "The balances"}, **error_responses(403)},
)
def list_system_accounts() -> SystemAccountsResponse:
    require_operator(router.current_event, ACTION)
    accounts = [
        SystemAccountBalances(
            name=name,
            balances=[
                SystemCurrencyBalance(currency=item.currency, balance=format(item.balance, "f")) for item in balances
            ],
        )
        for name, balances in wallet.get_system_balances().items()
    ]
    return SystemAccountsResponse(accounts=accounts)


@router.route(
    SYSTEM_BALANCE.resolver_path,
    method=SYSTEM_BALANCE.method,
    summary="One system account's balance in one asset",
    responses={200: {"description": "The balance"}, **error_responses(400, 403, 404)},
)
def get_system_balance(
    name: Annotated[str, Path(pattern=SYSTEM_ACCOUNT_PATTERN)],  # an unknown name is a 404
    currency: Annotated[str, Query(pattern=ASSET_CODE_PATTERN)] = DEFAULT_CURRENCY,
) -> SystemBalanceResponse:
    require_operator(router.current_event, ACTION)
    balance = wallet.get_system_balance(name, currency)
    return SystemBalanceResponse(
        account=balance.account, currency=balance.currency, balance=format(balance.balance, "f")
    )


@router.route(
    RECONCILIATION.resolver_path,
    method=RECONCILIATION.method,
    summary="The last reconciliation: when it ran, whether the books balanced, each asset's sum",
    responses={200: {"description": "The last run's outcome"}, **error_responses(403, 404)},
)
def get_reconciliation() -> ReconciliationResponse:
    require_operator(router.current_event, "Reading the reconciliation")
    return ReconciliationResponse.model_validate(wallet.last_reconciliation())


app = build_resolver(router)
lambda_handler = lambda_entry(app)

imports_done()
