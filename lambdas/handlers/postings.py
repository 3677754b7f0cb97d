"""POST /postings: a transaction of many postings, all committed together or none, once per idempotency key."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_poster
from api.entry import lambda_entry
from api.movement_schemas import PostingsRequest, PostingsResponse
from api.movements import idempotency_config, move_once, one_key
from api.resolver import build_resolver
from api.routes import POSTINGS
from api.schemas import error_responses
from handlers import imports_done
from wallet.validation import IDEMPOTENT_KEY_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    POSTINGS.resolver_path,
    method=POSTINGS.method,
    summary="Commit several postings as one transaction, all or nothing, exactly once per idempotency key",
    responses={
        201: {
            "description": "Applied, or replayed with header Idempotent-Replayed: true",
            "content": {"application/json": {"model": PostingsResponse}},
        },
        **error_responses(400, 403, 409, 413, 415, 422, 429, 503),
    },
)
# No return annotation: this route answers 201 or 409; the responses above document both.
def create_postings(
    request: Annotated[PostingsRequest, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=IDEMPOTENT_KEY_PATTERN)] = None,
):
    postings = [posting.to_json() for posting in request.postings]
    require_poster(router.current_event, postings)
    service = wallet.default_service()
    command = service.postings_command(
        one_key(request.idempotentKey, idempotency_key), postings, request.description, request.metadata
    )
    return move_once(service.payload(command), PostingsResponse, "Postings")


app = build_resolver(router)
lambda_handler = lambda_entry(app, before=idempotency_config.register_lambda_context)

imports_done()
