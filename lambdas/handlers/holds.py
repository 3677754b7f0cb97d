"""Holds: POST /holds, GET /holds/{holdId}, POST /holds/{holdId}/capture, POST /holds/{holdId}/void,
GET /users/{userId}/holds. A hold keeps money in the balance but out of what is available until it is
captured, voided or expires (exactly at expiresAt, with no job involved)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

import wallet
from api.auth import require_admin, require_owner, require_reader
from api.entry import lambda_entry
from api.movement_schemas import CaptureRequest, HoldRequest, HoldResponse, HoldsResponse, VoidRequest
from api.movements import idempotency_config, move_once, one_key
from api.resolver import build_resolver
from api.routes import CAPTURE_HOLD, GET_HOLD, PLACE_HOLD, USER_HOLDS, VOID_HOLD
from api.schemas import ISSUED_ID_PATTERN, error_responses
from handlers import imports_done
from wallet.validation import HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, IDEMPOTENT_KEY_PATTERN, USER_ID_PATTERN

router = APIGatewayHttpRouter()
KeyHeader = Annotated[str | None, Header(alias="idempotency-key", pattern=IDEMPOTENT_KEY_PATTERN)]
HoldId = Annotated[str, Path(pattern=ISSUED_ID_PATTERN)]


def _hold_answer(description: str, status: int) -> dict:
    return {status: {"description": description, "content": {"application/json": {"model": HoldResponse}}}}


@router.route(
    PLACE_HOLD.resolver_path,
    method=PLACE_HOLD.method,
    summary="Hold money on a user's account, exactly once per idempotency key",
    responses={**_hold_answer("Placed (or replayed)", 201), **error_responses(400, 403, 409, 413, 415, 422, 429, 503)},
)
# No return annotations on the writing routes: each answers a success or a 409.
def place_hold(request: Annotated[HoldRequest, Body()], idempotency_key: KeyHeader = None):
    require_owner(router.current_event, request.userId)
    service = wallet.default_service()
    command = service.hold_command(
        one_key(request.idempotentKey, idempotency_key),
        request.userId,
        request.amount,
        currency=request.currency,
        expires_in_seconds=request.expiresInSeconds,
        description=request.description,
        metadata=request.metadata,
    )
    return move_once(service.payload(command), HoldResponse, "Holds")


@router.route(
    CAPTURE_HOLD.resolver_path,
    method=CAPTURE_HOLD.method,
    summary="Capture all or part of a pending hold to a system account or a user; the rest is released",
    responses={
        **_hold_answer("The hold, captured", 200),
        **error_responses(400, 403, 404, 409, 413, 415, 422, 429, 503),
    },
)
def capture_hold(holdId: HoldId, request: Annotated[CaptureRequest, Body()], idempotency_key: KeyHeader = None):
    require_admin(router.current_event, "Capturing a hold")
    service = wallet.default_service()
    command = service.capture_command(
        one_key(request.idempotentKey, idempotency_key), holdId, request.amount, request.counterparty, request.toUserId
    )
    return move_once(service.payload(command), HoldResponse, "Captures")


@router.route(
    VOID_HOLD.resolver_path,
    method=VOID_HOLD.method,
    summary="Release a pending hold in full",
    responses={**_hold_answer("The hold, voided", 200), **error_responses(400, 403, 404, 409, 413, 415, 422, 429, 503)},
)
def void_hold(holdId: HoldId, request: Annotated[VoidRequest, Body()], idempotency_key: KeyHeader = None):
    hold, _ = wallet.get_hold(holdId)
    require_owner(router.current_event, hold.user_id)
    service = wallet.default_service()
    command = service.void_command(one_key(request.idempotentKey, idempotency_key), holdId)
    return move_once(service.payload(command), HoldResponse, "Voids")


@router.route(
    GET_HOLD.resolver_path,
    method=GET_HOLD.method,
    summary="A hold and its status now",
    responses={200: {"description": "The hold"}, **error_responses(400, 403, 404)},
)
def get_hold(holdId: HoldId) -> HoldResponse:
    hold, now_ms = wallet.get_hold(holdId)
    require_reader(router.current_event, hold.user_id)
    return HoldResponse.from_hold(hold, now_ms)


@router.route(
    USER_HOLDS.resolver_path,
    method=USER_HOLDS.method,
    summary="A user's holds, newest first, optionally of one status",
    responses={200: {"description": "One page of holds"}, **error_responses(400, 403)},
)
def list_holds(
    userId: Annotated[str, Path(pattern=USER_ID_PATTERN)],
    status: Annotated[str | None, Query(pattern="^(pending|captured|voided|expired)$")] = None,
    limit: Annotated[int, Query(ge=1, le=HISTORY_MAX_LIMIT)] = HISTORY_DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> HoldsResponse:
    require_reader(router.current_event, userId)
    page = wallet.list_holds(userId, status, limit, cursor)
    return HoldsResponse(
        items=[HoldResponse.from_hold(hold, page.as_of_ms) for hold in page.holds], nextCursor=page.next_cursor
    )


app = build_resolver(router)
lambda_handler = lambda_entry(app, before=idempotency_config.register_lambda_context)

imports_done()
