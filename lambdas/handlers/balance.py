"""GET /users/{userId}/balance?currency=USD&at=2026-11-23T10:00:00Z"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import wallet
from api.auth import require_owner
from api.observability import logger, metrics, tracer
from api.resolver import build_resolver
from api.routes import BALANCE
from api.schemas import AT_DESCRIPTION, BalanceResponse, error_responses
from wallet.settings import ASSET_CODE_PATTERN, DEFAULT_CURRENCY, get_settings
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
    at: Annotated[str | None, Query(max_length=64, description=AT_DESCRIPTION)] = None,
) -> BalanceResponse:
    require_owner(router.current_event, userId)
    return BalanceResponse.from_balance(wallet.get_current_balance(userId, currency, at))


app = build_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    get_settings()  # fail closed: a misconfigured function errors here, before any request is trusted
    return app.resolve(event, context)
