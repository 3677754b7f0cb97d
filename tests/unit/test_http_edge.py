"""The HTTP edge offline: error map, body parsing, route table, event builder, OpenAPI in sync."""

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing.exceptions import Unresolvable

from api.errors import as_wallet_error, error_response
from api.routes import ALL_ROUTES, API_ROUTES, BALANCE, HISTORY, NOT_FOUND, TRANSACT
from api.schemas import MAX_BODY_BYTES, parse_json_body
from local.apigw import http_api_event, match_route
from local.openapi import openapi_document
from wallet.errors import (
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InsufficientFunds,
    PayloadTooLarge,
    ServiceUnavailable,
    WalletError,
)
from wallet.money import JsonNumber
from wallet.settings import get_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("error", "status", "code", "retry_after"),
    [
        (InsufficientFunds("no"), 409, "INSUFFICIENT_FUNDS", False),
        (IdempotencyKeyInUse("busy"), 409, "IDEMPOTENCY_KEY_IN_USE", True),
        (IdempotencyKeyReused("reused"), 422, "IDEMPOTENCY_KEY_REUSED", False),
        (ServiceUnavailable("later"), 503, "SERVICE_UNAVAILABLE", True),
        (PayloadTooLarge("big"), 413, "PAYLOAD_TOO_LARGE", False),
    ],
)
def test_each_outcome_maps_to_one_status_and_code(error, status, code, retry_after):
    response = error_response(error)

    assert response.status_code == status
    assert response.body == {"error": {"code": code, "message": error.message}}
    assert ("Retry-After" in response.headers) is retry_after


def test_every_wallet_error_has_a_mapping():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    for cls in subclasses(WalletError):
        assert error_response(cls("x")).status_code in range(400, 600)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (IdempotencyValidationError(), IdempotencyKeyReused),
        (IdempotencyAlreadyInProgressError(), IdempotencyKeyInUse),
        (IdempotencyPersistenceLayerError("down"), ServiceUnavailable),
    ],
)
def test_powertools_idempotency_errors_become_wallet_outcomes(exc, expected):
    assert isinstance(as_wallet_error(exc), expected)


def test_unexpected_errors_are_not_translated():
    assert as_wallet_error(KeyError("boom")) is None


def test_json_body_keeps_numbers_as_source_text():
    assert parse_json_body('{"a": 10.10, "b": 1e5, "c": 7}') == {
        "a": JsonNumber("10.10"),
        "b": JsonNumber("1e5"),
        "c": JsonNumber("7"),
    }


def test_json_body_refuses_oversize_and_deep_nesting():
    with pytest.raises(PayloadTooLarge):
        parse_json_body(" " * (MAX_BODY_BYTES + 1))
    with pytest.raises(json.JSONDecodeError):
        parse_json_body("[" * 5000 + "]" * 5000)


def test_routes_match_like_api_gateway():
    assert match_route("GET", "/users/u1/balance") == (BALANCE, {"userId": "u1"})
    assert match_route("GET", "/users/a.b@c/transactions") == (HISTORY, {"userId": "a.b@c"})
    assert match_route("POST", "/transactions") == (TRANSACT, {})
    assert match_route("GET", "/transactions")[0] is NOT_FOUND
    assert match_route("GET", "/users/u1/balance/extra")[0] is NOT_FOUND
    assert {route.resolver_path for route in ALL_ROUTES} >= {"/users/<userId>/balance"}


def test_event_builder_lowercases_headers_and_joins_repeated_query_values():
    event = http_api_event("GET", "/users/u1/transactions", "limit=1&limit=2", {"X-Thing": "v"})

    assert event["routeKey"] == "GET /users/{userId}/transactions"
    assert event["headers"] == {"x-thing": "v"}
    assert event["queryStringParameters"] == {"limit": "1,2"}
    assert event["pathParameters"] == {"userId": "u1"}


def test_event_builder_decodes_the_path_and_its_parameters_as_http_apis_do():
    event = http_api_event("GET", "/users/a%20b%C3%A9/balance")

    assert (event["rawPath"], event["pathParameters"]) == ("/users/a bé/balance", {"userId": "a bé"})
    assert http_api_event("GET", "/users/a%2Fb/balance")["routeKey"] == "GET /users/{userId}/balance"


def test_a_path_parameter_no_route_of_the_function_takes_is_a_400_not_a_404():
    from handlers import balance
    from local.lambda_context import LocalLambdaContext

    answer = balance.lambda_handler(http_api_event("GET", "/users/%C2%84/balance"), LocalLambdaContext())

    assert answer["statusCode"] == 400, answer
    assert json.loads(answer["body"])["error"] == {
        "code": "VALIDATION_ERROR",
        "message": "userId: has characters an identifier cannot have",
    }


def test_sample_events_name_their_routes():
    for path in (REPO / "events").glob("*.json"):
        event = json.loads(path.read_text())
        route, _ = match_route(event["requestContext"]["http"]["method"], event["rawPath"])
        assert event["routeKey"] == (route.route_key if route is not NOT_FOUND else "$default"), path.name


def test_docs_openapi_json_is_generated_from_the_handlers():
    committed = (REPO / "docs" / "openapi.json").read_text()

    assert committed == openapi_document(), "run `make openapi` and commit docs/openapi.json"
    paths = json.loads(committed)["paths"]
    assert set(paths) == {route.path for route in API_ROUTES}
    operations = [operation for path in paths.values() for operation in path.values()]
    assert len({operation["operationId"] for operation in operations}) == len(operations) == len(API_ROUTES)
    tag_names = {tag["name"] for tag in json.loads(committed)["tags"]}
    assert all(len(operation["tags"]) == 1 and operation["tags"][0] in tag_names for operation in operations)


def test_docs_openapi_json_is_a_valid_openapi_document_with_named_error_schemas():
    document = json.loads((REPO / "docs" / "openapi.json").read_text())

    validate(document)  # openapi-spec-validator: raises on the first violation (a $ref that resolves nowhere)
    errors = {
        json.dumps(response["content"]["application/json"]["schema"])
        for operations in document["paths"].values()
        for operation in operations.values()
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5"))
    }
    assert errors == {json.dumps({"$ref": "#/components/schemas/ErrorResponse"})}
    request = document["components"]["schemas"]["TransactionRequest"]["properties"]
    assert request["currency"]["enum"] == [asset.code for asset in get_settings().assets]
    assert request["counterparty"]["anyOf"][0]["enum"] == list(get_settings().system_accounts)
    with pytest.raises(Unresolvable):  # the validator does refuse a reference that resolves nowhere
        validate({**document, "components": {"schemas": {}}})


def test_every_example_in_the_document_is_valid_against_its_schema():
    document = json.loads((REPO / "docs" / "openapi.json").read_text())
    schemas = document["components"]["schemas"]
    checked = 0
    for name, schema in schemas.items():
        root = {"components": {"schemas": schemas}, "$ref": f"#/components/schemas/{name}"}
        for example in schema.get("examples", []):
            Draft202012Validator(root).validate(example)
            checked += 1
    assert checked >= 7, "every request model carries an example"


def test_the_default_route_answers_405_with_allow_at_a_known_path_and_404_elsewhere():
    from handlers import not_found
    from local.lambda_context import LocalLambdaContext

    def ask(method: str, path: str) -> dict:
        return not_found.lambda_handler(http_api_event(method, path), LocalLambdaContext())

    trace = ask("TRACE", "/holds")
    assert (trace["statusCode"], trace["headers"]["Allow"]) == (405, "POST")
    assert json.loads(trace["body"])["error"]["code"] == "METHOD_NOT_ALLOWED"
    both = ask("DELETE", "/transactions/t1")
    assert (both["statusCode"], both["headers"]["Allow"]) == (405, "GET")
    nowhere = ask("GET", "/nope")
    assert nowhere["statusCode"] == 404 and "Allow" not in (nowhere.get("headers") or {})
