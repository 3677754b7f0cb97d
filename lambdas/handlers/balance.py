"""GET /users/{userId}/balance"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import wallet
from api.auth import require_access
from api.observability import logger, metrics, tracer
from api.resolver import build_resolver
from api.routes import BALANCE
from api.schemas import BalanceResponse, error_responses
from wallet.money import format_money
from wallet.validation import USER_ID_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    BALANCE.resolver_path,
    method=BALANCE.method,
    summary="Current balance of a user (100.00 USD for a user never seen)",
    responses={200: {"description": "The balance"}, **error_responses(400, 403)},
)
def get_balance(userId: Annotated[str, Path(pattern=USER_ID_PATTERN)]) -> BalanceResponse:
    require_access(router.current_event, userId)
    balance = wallet.get_current_balance(userId)
    return BalanceResponse(userId=balance.user_id, balance=format_money(balance.balance), currency=balance.currency)


app = build_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
