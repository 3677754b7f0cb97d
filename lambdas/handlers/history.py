"""GET /users/{userId}/transactions?currency=USD&limit=N&cursor=C&from=T1&to=T2"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_reader
from api.entry import lambda_entry
from api.read_schemas import HistoryItem, HistoryResponse
from api.resolver import build_resolver
from api.routes import HISTORY
from api.schemas import INSTANT, error_responses
from handlers import imports_done
from wallet.settings import ASSET_CODE_PATTERN, DEFAULT_CURRENCY
from wallet.validation import HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, USER_ID_PATTERN

router = APIGatewayHttpRouter()


@router.route(
    HISTORY.resolver_path,
    method=HISTORY.method,
    summary="A user's ledger entries in one asset, newest first",
    responses={200: {"description": "One page of entries"}, **error_responses(400, 403)},
)
def list_transactions(
    userId: Annotated[str, Path(pattern=USER_ID_PATTERN)],
    currency: Annotated[str, Query(pattern=ASSET_CODE_PATTERN)] = DEFAULT_CURRENCY,
    limit: Annotated[int, Query(ge=1, le=HISTORY_MAX_LIMIT)] = HISTORY_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    start: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=64,
            description="Only entries created at or after this instant",
            json_schema_extra=INSTANT,
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            alias="to", max_length=64, description="Only entries created before this instant", json_schema_extra=INSTANT
        ),
    ] = None,
) -> HistoryResponse:
    require_reader(router.current_event, userId)
    page = wallet.list_transactions(userId, limit, cursor, currency, start, end)
    return HistoryResponse(items=[HistoryItem.from_entry(entry) for entry in page.entries], nextCursor=page.next_cursor)


app = build_resolver(router)
lambda_handler = lambda_entry(app)

imports_done()
