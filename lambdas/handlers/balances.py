"""GET /users/{userId}/balances: every configured asset in one read."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import wallet
from api.auth import require_owner
from api.observability import logger, metrics, tracer
from api.resolver import build_resolver
from api.routes import BALANCES
from api.schemas import AT_DESCRIPTION, BalancesResponse, CurrencyBalance, error_responses
from wallet.settings import get_settings
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
    at: Annotated[str | None, Query(max_length=64, description=AT_DESCRIPTION)] = None,
) -> BalancesResponse:
    require_owner(router.current_event, userId)
    balances = [CurrencyBalance.from_balance(balance) for balance in wallet.get_balances(userId, at)]
    return BalancesResponse(userId=userId, balances=balances)


app = build_resolver(router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    get_settings()  # fail closed: a misconfigured function errors here, before any request is trusted
    return app.resolve(event, context)
