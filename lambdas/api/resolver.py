"""Builds the Powertools resolver each handler uses, with the error map applied once."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.metrics import MetricUnit

from api.errors import as_wallet_error, error_response, internal_error_response, not_found_response
from api.observability import logger, metrics
from api.schemas import parse_json_body
from wallet.errors import InvalidRequest, UnsupportedMediaType

JSON_REQUIRED = "The request body must be JSON: send it with the header Content-Type: application/json."


def require_json_body(app: APIGatewayHttpResolver, next_middleware: Callable[..., Response]) -> Response:
    """A body without a JSON content type (missing, or curl -d's form default) is a 415, before the body is
    validated: otherwise a form-encoded JSON text would be answered with a list of missing fields."""
    event = app.current_event
    content_type = event.headers.get("content-type", "")
    if event.body and not content_type.lower().startswith("application/json"):
        return error_response(UnsupportedMediaType(JSON_REQUIRED))
    try:
        body = event.json_body if event.body else {}
    except ValueError:  # not JSON at all: the validation that follows says so
        body = {}
    if not isinstance(body, dict):  # every body this API takes is an object
        return error_response(InvalidRequest("body: must be a JSON object"))
    return next_middleware(app)


def build_resolver(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    for router in routers:
        app.include_router(router)
    # Powertools runs its request validation before any middleware of ours (3.37 builds every route's stack
    # as validation, then router middlewares): the content type is checked in front of the validation.
    validate = app._request_validation_middleware

    def check_json_then_validate(app: APIGatewayHttpResolver, next_middleware: Any) -> Response:
        return require_json_body(app, lambda app: validate(app, next_middleware))

    app._request_validation_middleware = check_json_then_validate  # type: ignore[assignment]

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return not_found_response(app.current_event.http_method, app.current_event.path)

    @app.exception_handler(Exception)
    def _handle(exc: Exception) -> Response:
        error = as_wallet_error(exc)
        if error is None:
            logger.exception("Unhandled error")
            metrics.add_metric(name="InternalError", unit=MetricUnit.Count, value=1)
            return internal_error_response()
        # One count per outcome: the dashboard charts IdempotencyKeyInUse (409) and ServiceUnavailable (503).
        metrics.add_metric(name=type(error).__name__, unit=MetricUnit.Count, value=1)
        return error_response(error)

    return app
