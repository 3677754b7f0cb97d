"""The local server's stand-in for API Gateway's JWT authorizer: which requests reach a function, and with what."""

import base64
import json

from local.jwt import authorizer_context

ISSUER = "https://issuer.example.com"
NOW = 1_800_000_000.0


def bearer(claims: dict) -> dict[str, str]:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return {"authorization": f"Bearer {part({'alg': 'none'})}.{part(claims)}.sig"}


def test_a_token_of_the_issuer_passes_its_claims_and_scopes():
    claims = {"iss": ISSUER, "sub": "ops", "scope": "wallet/read wallet/admin", "exp": NOW + 60}

    context = authorizer_context(bearer(claims), ISSUER, NOW)

    assert context == {"jwt": {"claims": claims, "scopes": ["wallet/read", "wallet/admin"]}}


def test_what_api_gateway_answers_401_for_never_reaches_a_function():
    good = {"iss": ISSUER, "sub": "ops", "exp": NOW + 60}
    refused = [
        {},  # no Authorization header
        {"authorization": "Basic b3BzOnB3"},
        {"authorization": "Bearer not-a-jwt"},
        {"authorization": "Bearer a.!!!.c"},
        bearer({**good, "iss": "https://someone-else.example.com"}),
        bearer({**good, "exp": NOW - 1}),
        bearer({"iss": ISSUER, "sub": "ops"}),  # no expiry
    ]

    assert [authorizer_context(headers, ISSUER, NOW) for headers in refused] == [None] * len(refused)


def test_a_token_without_scopes_has_none():
    context = authorizer_context(bearer({"iss": ISSUER, "sub": "u1", "exp": NOW + 60}), ISSUER, NOW)

    assert context is not None and context["jwt"]["scopes"] is None
