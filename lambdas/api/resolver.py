"""Builds the Powertools resolver each handler uses, with the error map applied once."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from api.errors import as_wallet_error, error_response, internal_error_response, not_found_response
from api.observability import logger
from api.schemas import parse_json_body


def build_resolver(*routers: APIGatewayHttpRouter) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    for router in routers:
        app.include_router(router)

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return not_found_response()

    @app.exception_handler(Exception)
    def _handle(exc: Exception) -> Response:
        error = as_wallet_error(exc)
        if error is None:
            logger.exception("Unhandled error")
            return internal_error_response()
        return error_response(error)

    return app
