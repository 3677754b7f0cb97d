"""GET /users/{userId}/balance?currency=USD&at=2026-11-23T10:00:00Z"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_reader
from api.entry import lambda_entry
from api.read_schemas import BalanceResponse
from api.resolver import build_resolver
from api.routes import BALANCE
from api.schemas import AT_DESCRIPTION, INSTANT, error_responses
from handlers import imports_done
from wallet.settings import ASSET_CODE_PATTERN, DEFAULT_CURRENCY
from wallet.validation import USER_ID_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    BALANCE.resolver_path,
    method=BALANCE.method,
    summary="A user's balance in one asset (the opening balance, 100.00 USD by default, for a user never seen)",
    responses={200: {"description": "The balance"}, **error_responses(400, 403)},
)
def get_balance(
    userId: Annotated[str, Path(pattern=USER_ID_PATTERN)],
    currency: Annotated[str, Query(pattern=ASSET_CODE_PATTERN)] = DEFAULT_CURRENCY,
    at: Annotated[str | None, Query(max_length=64, description=AT_DESCRIPTION, json_schema_extra=INSTANT)] = None,
) -> BalanceResponse:
    require_reader(router.current_event, userId)
    return BalanceResponse.from_balance(wallet.get_current_balance(userId, currency, at))


app = build_resolver(router)
lambda_handler = lambda_entry(app)

imports_done()
