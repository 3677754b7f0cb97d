"""Prints the OpenAPI document generated from the handlers' routes and models (make openapi)."""

import json

from api.resolver import build_resolver
from handlers import balance, history, transact

TITLE = "Wallet API"
VERSION = "1.0.0"


def openapi_document() -> str:
    app = build_resolver(balance.router, transact.router, history.router)
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="User balances with exactly-once credits and debits. Money is a decimal string with two places.",
    )
    document = _without_framework_422(json.loads(schema))
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _without_framework_422(document: dict) -> dict:
    """Powertools documents its own 422 for validation errors; this service answers 400 instead."""
    for operations in document["paths"].values():
        for operation in operations.values():
            response = operation["responses"].get("422", {})
            if "HTTPValidationError" in json.dumps(response):
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f"#/components/schemas/{unused}" not in json.dumps({**document, "components": {}}):
            schemas.pop(unused, None)
    return document


if __name__ == "__main__":
    print(openapi_document(), end="")
