"""POST /transactions/{transactionId}/reversal: move (part of) an earlier movement back, once per key."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_admin
from api.entry import lambda_entry
from api.movement_schemas import ReversalRequest, ReversalResponse
from api.movements import idempotency_config, move_once, one_key
from api.resolver import build_resolver
from api.routes import REVERSAL
from api.schemas import ISSUED_ID_PATTERN, error_responses
from handlers import imports_done
from wallet.validation import IDEMPOTENT_KEY_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    REVERSAL.resolver_path,
    method=REVERSAL.method,
    summary="Reverse a credit, debit, transfer or hold capture, in full or in part, once per idempotency key",
    responses={
        201: {
            "description": "The reversal's movement, or its replay with header Idempotent-Replayed: true",
            "content": {"application/json": {"model": ReversalResponse}},
        },
        **error_responses(400, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
# No return annotation: this route answers 201 or 409; the responses above document both.
def create_reversal(
    transactionId: Annotated[str, Path(pattern=ISSUED_ID_PATTERN)],
    request: Annotated[ReversalRequest, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=IDEMPOTENT_KEY_PATTERN)] = None,
):
    require_admin(router.current_event, "Reversing a movement")
    service = wallet.default_service()
    command = service.reversal_command(
        one_key(request.idempotentKey, idempotency_key), transactionId, request.amount, request.description
    )
    return move_once(service.payload(command), ReversalResponse, "Reversals")


app = build_resolver(router)
lambda_handler = lambda_entry(app, before=idempotency_config.register_lambda_context)

imports_done()
