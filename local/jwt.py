"""API Gateway's JWT authorizer, for the local server in JWT mode (WALLET_AUTH_MODE=jwt with WALLET_JWT_ISSUER).

Before a function runs, a route behind the authorizer needs a bearer token of the issuer, not expired; its
claims and scopes reach the function where API Gateway puts them (requestContext.authorizer.jwt). The
token's signature is not checked: the local server trusts its own machine, as it trusts any caller in IAM
mode. It exists so the console's sign-in and the scopes' refusals can be tried end to end locally."""

import base64
import binascii
import json
import time
from typing import Any


def authorizer_context(headers: dict[str, str], issuer: str, now: float | None = None) -> dict[str, Any] | None:
    """The event's requestContext.authorizer for a request with these (lower-cased) headers, or None where API
    Gateway answers 401 itself: no bearer token, not a JWT, another issuer, expired."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        expires = float(claims.get("exp", 0))
    except (ValueError, binascii.Error, AttributeError, TypeError):
        return None
    if not isinstance(claims, dict) or claims.get("iss") != issuer or expires <= (now or time.time()):
        return None
    scopes = str(claims.get("scope", "")).split()
    return {"jwt": {"claims": claims, "scopes": scopes or None}}
