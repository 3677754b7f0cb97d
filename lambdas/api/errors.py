"""The one map from outcomes to HTTP: status, code and headers. Bodies are {"error": {code, message}}."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from api.routes import methods_at, parameters_at
from wallet.errors import (
    CaptureRefused,
    Forbidden,
    HoldExpired,
    HoldNotFound,
    HoldNotPending,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ReversalExceedsOriginal,
    ReversalWholeOnly,
    ServiceUnavailable,
    UnsupportedMediaType,
    WalletError,
)

RETRY_AFTER_SECONDS = "1"

_HTTP: dict[type[WalletError], tuple[int, str]] = {
    InvalidRequest: (400, "VALIDATION_ERROR"),
    Forbidden: (403, "FORBIDDEN"),
    NotFound: (404, "NOT_FOUND"),
    HoldNotFound: (404, "HOLD_NOT_FOUND"),
    MethodNotAllowed: (405, "METHOD_NOT_ALLOWED"),
    HoldNotPending: (409, "HOLD_NOT_PENDING"),
    HoldExpired: (409, "HOLD_EXPIRED"),
    InsufficientFunds: (409, "INSUFFICIENT_FUNDS"),
    IdempotencyKeyInUse: (409, "IDEMPOTENCY_KEY_IN_USE"),
    ReversalExceedsOriginal: (409, "REVERSAL_EXCEEDS_ORIGINAL"),
    ReversalWholeOnly: (409, "REVERSAL_WHOLE_ONLY"),
    CaptureRefused: (409, "CAPTURE_REFUSED"),
    PayloadTooLarge: (413, "PAYLOAD_TOO_LARGE"),
    UnsupportedMediaType: (415, "UNSUPPORTED_MEDIA_TYPE"),
    IdempotencyKeyReused: (422, "IDEMPOTENCY_KEY_REUSED"),
    RateLimited: (429, "RATE_LIMITED"),
    ServiceUnavailable: (503, "SERVICE_UNAVAILABLE"),
}
_RETRYABLE = (IdempotencyKeyInUse, ServiceUnavailable)


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def status_and_body(error: WalletError) -> tuple[int, dict[str, Any]]:
    status, code = _HTTP[type(error)]
    return status, error_body(code, error.message)


def error_response(error: WalletError) -> Response:
    status, body = status_and_body(error)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if isinstance(error, _RETRYABLE) else {}
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    if isinstance(error, MethodNotAllowed):
        headers = {"Allow": ", ".join(error.allowed)}
    return json_response(status, body, headers)


def json_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def internal_error_response() -> Response:
    return json_response(500, error_body("INTERNAL_ERROR", "Something went wrong on our side; it has been logged."))


def not_found_response(method: str, path: str) -> Response:
    """The $default route's answer: 405 with Allow for a path the API has under other methods, else 404.

    A route's own function answers here too when API Gateway chose its route but a path parameter holds
    characters the resolver's routes never take (a decoded control character): that is a bad parameter, 400."""
    allowed = methods_at(path)
    if allowed and method not in allowed:
        return error_response(MethodNotAllowed(f"{path} takes {', '.join(allowed)}, not {method}.", tuple(allowed)))
    if allowed:
        names = ", ".join(parameters_at(method, path))
        return error_response(InvalidRequest(f"{names}: has characters an identifier cannot have"))
    return error_response(NotFound("No such route."))


def as_wallet_error(exc: Exception) -> WalletError | None:
    """Translate a library exception into the outcome it stands for, or None if it is a bug."""
    if isinstance(exc, WalletError):
        return exc
    if isinstance(exc, RequestUnsupportedContentType):
        return UnsupportedMediaType("The request body must be JSON (Content-Type: application/json).")
    if isinstance(exc, UnicodeDecodeError):  # a base64 body that is not UTF-8 text
        return InvalidRequest("body: is not valid UTF-8 JSON")
    if isinstance(exc, RequestValidationError):
        return InvalidRequest(_describe_validation_errors(exc.errors()))
    if isinstance(exc, IdempotencyValidationError):
        return IdempotencyKeyReused("This idempotency key was already used with a different request.")
    if isinstance(exc, IdempotencyAlreadyInProgressError):
        return IdempotencyKeyInUse("A request with this idempotency key is still being processed; retry shortly.")
    if isinstance(exc, (IdempotencyPersistenceLayerError, IdempotencyInconsistentStateError)):
        return ServiceUnavailable("The idempotency store did not answer; retry with the same idempotency key.")
    return None


def _describe_validation_errors(errors: Any) -> str:
    parts = []
    for error in list(errors)[:3]:
        location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
        message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            location, message = "body", "is not valid JSON"
        parts.append(f"{location or 'body'}: {message}")
    return "; ".join(parts) or "The request is invalid."
