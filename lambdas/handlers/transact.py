"""POST /transactions: credit or debit once per idempotency key, against a system account."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_admin, require_owner
from api.entry import lambda_entry
from api.movement_schemas import TransactionRequest, TransactionResponse
from api.movements import idempotency_config, move_once, one_key
from api.resolver import build_resolver
from api.routes import TRANSACT
from api.schemas import error_responses
from handlers import imports_done
from wallet.validation import IDEMPOTENT_KEY_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    TRANSACT.resolver_path,
    method=TRANSACT.method,
    summary="Credit or debit a balance, exactly once per idempotency key",
    responses={
        201: {
            "description": "Applied, or replayed with header Idempotent-Replayed: true",
            "content": {"application/json": {"model": TransactionResponse}},
        },
        **error_responses(400, 403, 409, 413, 415, 422, 429, 503),
    },
)
# No return annotation: Powertools would validate every answer against one model, and this route
# answers 201 or 409; the responses above document both.
def create_transaction(
    request: Annotated[TransactionRequest, Body()],
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key", pattern=IDEMPOTENT_KEY_PATTERN)] = None,
):
    if request.type == "credit" or request.counterparty is not None:
        require_admin(router.current_event, "Crediting or choosing a counterparty")
    else:
        require_owner(router.current_event, request.userId)
    service = wallet.default_service()
    command = service.transaction_command(
        one_key(request.idempotentKey, idempotency_key),
        request.userId,
        request.amount,
        request.type,
        currency=request.currency,
        counterparty=request.counterparty,
        description=request.description,
        metadata=request.metadata,
    )
    return move_once(service.payload(command), TransactionResponse, "Transactions")


app = build_resolver(router)
lambda_handler = lambda_entry(app, before=idempotency_config.register_lambda_context)

imports_done()
