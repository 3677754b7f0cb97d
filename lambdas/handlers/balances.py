"""GET /users/{userId}/balances: every configured asset in one read."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_reader
from api.entry import lambda_entry
from api.read_schemas import BalancesResponse, CurrencyBalance
from api.resolver import build_resolver
from api.routes import BALANCES
from api.schemas import AT_DESCRIPTION, INSTANT, error_responses
from handlers import imports_done
from wallet.validation import USER_ID_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    BALANCES.resolver_path,
    method=BALANCES.method,
    summary="A user's balance in every configured asset",
    responses={200: {"description": "The balances"}, **error_responses(400, 403)},
)
def get_balances(
    userId: Annotated[str, Path(pattern=USER_ID_PATTERN)],
    at: Annotated[str | None, Query(max_length=64, description=AT_DESCRIPTION, json_schema_extra=INSTANT)] = None,
) -> BalancesResponse:
    require_reader(router.current_event, userId)
    balances = [CurrencyBalance.from_balance(balance) for balance in wallet.get_balances(userId, at)]
    return BalancesResponse(userId=userId, balances=balances)


app = build_resolver(router)
lambda_handler = lambda_entry(app)

imports_done()
