"""POST /transfers: move money between two users once per idempotency key, both legs or neither."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_owner
from api.entry import lambda_entry
from api.movement_schemas import TransferRequest, TransferResponse
from api.movements import idempotency_config, move_once, one_key
from api.resolver import build_resolver
from api.routes import TRANSFER
from api.schemas import error_responses
from handlers import imports_done
from wallet.validation import IDEMPOTENT_KEY_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    TRANSFER.resolver_path,
    method=TRANSFER.method,
    summary="Transfer between two users, exactly once per idempotency key",
    responses={
        201: {
            "description": "Applied, or replayed with header Idempotent-Replayed: true",
            "content": {"application/json": {"model": TransferResponse}},
        },
        **error_responses(400, 403, 409, 413, 415, 422, 429, 503),
    },
)
# No return annotation: this route answers 201 or 409; the responses above document both.
def create_transfer(
    request: Annotated[TransferRequest, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=IDEMPOTENT_KEY_PATTERN)] = None,
):
    require_owner(router.current_event, request.fromUserId)  # money leaves only its owner's account
    service = wallet.default_service()
    command = service.transfer_command(
        one_key(request.idempotentKey, idempotency_key),
        request.fromUserId,
        request.toUserId,
        request.amount,
        currency=request.currency,
        description=request.description,
        metadata=request.metadata,
    )
    return move_once(service.payload(command), TransferResponse, "Transfers")


app = build_resolver(router)
lambda_handler = lambda_entry(app, before=idempotency_config.register_lambda_context)

imports_done()
