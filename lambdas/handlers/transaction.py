"""GET /transactions/{transactionId}: any movement with its postings, entries and what has been reversed."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_party
from api.entry import lambda_entry
from api.read_schemas import MovementResponse
from api.resolver import build_resolver
from api.routes import GET_TRANSACTION
from api.schemas import ISSUED_ID_PATTERN, error_responses
from handlers import imports_done

router = APIGatewayHttpRouter()


@router.route(
    GET_TRANSACTION.resolver_path,
    method=GET_TRANSACTION.method,
    summary="A movement by its transactionId: credit, debit, transfer, capture, reversal or postings",
    responses={200: {"description": "The movement"}, **error_responses(400, 403, 404)},
)
def get_transaction(
    transactionId: Annotated[str, Path(pattern=ISSUED_ID_PATTERN)],
) -> MovementResponse:
    movement = wallet.get_transaction(transactionId)
    require_party(router.current_event, {entry.user_id for entry in movement.entries})
    return MovementResponse.from_movement(movement)


app = build_resolver(router)
lambda_handler = lambda_entry(app)

imports_done()
