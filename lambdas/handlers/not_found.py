"""$default: any method or path the API does not define gets a 404 in the service's error format."""

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.observability import logger
from api.resolver import build_resolver
from handlers import imports_done

app = build_resolver()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


imports_done()
