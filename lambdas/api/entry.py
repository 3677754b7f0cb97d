"""The one shape of every route's Lambda handler: Powertools logger, tracer and metrics around the resolver."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.observability import logger, metrics, tracer
from wallet.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]  # Lambda, or a local context object


def lambda_entry(app: APIGatewayHttpResolver, before: Callable[[LambdaContext], None] | None = None) -> LambdaHandler:
    """The handler Lambda calls for `app`. `before` runs first on every invocation (the idempotency
    config takes the invocation's context there, before the idempotent call)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler(capture_response=False)  # balances and user ids stay out of X-Ray
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        get_settings()  # fail closed: a misconfigured function errors here, before any request is trusted
        if before is not None:
            before(context)
        return app.resolve(event, context)

    return lambda_handler
