"""Prints the OpenAPI document generated from the handlers' routes and models (make openapi).

A tool beside the service, not part of it: the functions never import it, and nothing under lambdas/ imports
from handlers/."""

import json
from typing import Any

from api import routes
from api.resolver import build_resolver
from api.schemas import amount_forms
from handlers import (
    balance,
    balances,
    console,
    history,
    holds,
    postings,
    reversal,
    system_accounts,
    transact,
    transaction,
    transfer,
)
from wallet.settings import ASSET_CODE_PATTERN, DEFAULT_CURRENCY, SYSTEM_ACCOUNT_PATTERN, get_settings

TITLE = "Wallet API"
VERSION = "1.0.0"


def openapi_document() -> str:
    app = build_resolver(
        balance.router,
        balances.router,
        transact.router,
        transfer.router,
        postings.router,
        transaction.router,
        reversal.router,
        holds.router,
        history.router,
        system_accounts.router,
        console.router,
    )
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="A double-entry ledger: balances per asset, exactly-once credits, debits, transfers and "
        "transactions of many postings, system accounts. Money is a decimal string with exactly the asset's scale.",
    )
    document = _with_asset_scales(_with_configured_names(_without_framework_422(json.loads(schema))))
    document = _with_console_files(_with_security(_with_links(_with_tags(_with_operation_ids(document)))))
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _with_security(document: dict) -> dict:
    """Who may call: the stack's authorizer (IAM by default, a JWT issuer with wallet:authMode=jwt), or nobody
    at all on the local server (the empty requirement). What an identity may do is in each operation's 403."""
    document["components"]["securitySchemes"] = {
        "sigv4": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "AWS Signature Version 4 for the caller's IAM identity (wallet:authMode=iam, the default).",
            "x-amazon-apigateway-authtype": "awsSigv4",
        },
        "jwt": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A token of the configured issuer and audience (wallet:authMode=jwt): a caller acts for "
            "its own subject; crediting, counterparties, captures, reversals and system accounts need the admin "
            "scope.",
        },
    }
    document["security"] = [{"sigv4": []}, {"jwt": []}, {}]
    return document


def _with_console_files(document: dict) -> dict:
    """The console's routes need no identity (the data they load does), and its files are a fixed set."""
    for route in routes.PUBLIC_ROUTES:
        document["paths"][route.path][route.method.lower()]["security"] = [{}]
    operation = document["paths"][routes.CONSOLE_FILE.path][routes.CONSOLE_FILE.method.lower()]
    for parameter in operation["parameters"]:
        if parameter["name"] == "file":
            parameter["schema"] = {"type": "string", "enum": sorted([*console.FILES, console.CONFIG_FILE])}
    return document


def _with_configured_names(document: Any) -> Any:
    """Asset codes and system account names as enums of the configuration the document is generated with
    (the defaults: make openapi with WALLET_ASSETS or WALLET_SYSTEM_ACCOUNTS set documents those instead),
    where the models can only say the pattern a name follows."""
    settings = get_settings()
    enums = {
        ASSET_CODE_PATTERN: [asset.code for asset in settings.assets],
        SYSTEM_ACCOUNT_PATTERN: list(settings.system_accounts),
    }
    if isinstance(document, dict):
        named = {key: _with_configured_names(value) for key, value in document.items()}
        if named.get("pattern") in enums and named.get("type") == "string":
            named["enum"] = enums[named.pop("pattern")]
        return named
    if isinstance(document, list):
        return [_with_configured_names(value) for value in document]
    return document


# Names a generated client's functions take (Powertools derives them from the path otherwise).
OPERATION_IDS = {
    routes.BALANCE: "getBalance",
    routes.BALANCES: "getBalances",
    routes.TRANSACT: "createTransaction",
    routes.TRANSFER: "createTransfer",
    routes.POSTINGS: "createPostings",
    routes.GET_TRANSACTION: "getTransaction",
    routes.REVERSAL: "reverseTransaction",
    routes.PLACE_HOLD: "placeHold",
    routes.GET_HOLD: "getHold",
    routes.CAPTURE_HOLD: "captureHold",
    routes.VOID_HOLD: "voidHold",
    routes.USER_HOLDS: "listHolds",
    routes.HISTORY: "listTransactions",
    routes.SYSTEM_ACCOUNTS: "listSystemAccounts",
    routes.SYSTEM_BALANCE: "getSystemBalance",
    routes.RECONCILIATION: "getReconciliation",
    routes.CONSOLE: "getConsole",
    routes.CONSOLE_FILE: "getConsoleFile",
}
# Groups for readers and generated clients: (tag, what it covers) -> its operations.
TAGS = {
    ("Balances", "A user's money per asset, now or at an earlier instant."): [routes.BALANCE, routes.BALANCES],
    (
        "Movements",
        "Credits, debits, transfers and multi-posting transactions, each exactly once per idempotency key; "
        "a movement by id, its reversal, a user's history.",
    ): [routes.TRANSACT, routes.TRANSFER, routes.POSTINGS, routes.GET_TRANSACTION, routes.REVERSAL, routes.HISTORY],
    ("Holds", "Money set aside from a balance, then captured, voided or left to expire."): [
        routes.PLACE_HOLD,
        routes.GET_HOLD,
        routes.CAPTURE_HOLD,
        routes.VOID_HOLD,
        routes.USER_HOLDS,
    ],
    ("System accounts", "The accounts money enters and leaves the wallet through (treasury, revenue, ...)."): [
        routes.SYSTEM_ACCOUNTS,
        routes.SYSTEM_BALANCE,
        routes.RECONCILIATION,
    ],
    ("Console", "The operators' web console: its page and files (public; what they fetch is authorized)."): [
        routes.CONSOLE,
        routes.CONSOLE_FILE,
    ],
}
_MOVEMENT = {"transactionId": "$response.body#/transactionId"}
_NEXT_PAGE = {"userId": "$request.path.userId", "cursor": "$response.body#/nextCursor"}


def _movement_links(id_field: str) -> dict[str, tuple[routes.RouteSpec, dict[str, str]]]:
    movement = {"transactionId": f"$response.body#/{id_field}"}
    return {"GetTransaction": (routes.GET_TRANSACTION, movement), "ReverseTransaction": (routes.REVERSAL, movement)}


# What a caller (or a stateful tester) does next with an answer: (from, status) -> {link: (to, parameters)}
LINKS = {
    (routes.TRANSACT, "201"): _movement_links("transactionId")
    | {
        "GetBalance": (routes.BALANCE, {"userId": "$response.body#/userId", "currency": "$response.body#/currency"}),
        "ListTransactions": (routes.HISTORY, {"userId": "$response.body#/userId"}),
    },
    (routes.TRANSFER, "201"): _movement_links("transferId"),
    (routes.POSTINGS, "201"): _movement_links("transactionId"),
    (routes.PLACE_HOLD, "201"): {
        "GetHold": (routes.GET_HOLD, {"holdId": "$response.body#/holdId"}),
        "CaptureHold": (routes.CAPTURE_HOLD, {"holdId": "$response.body#/holdId"}),
        "VoidHold": (routes.VOID_HOLD, {"holdId": "$response.body#/holdId"}),
        "ListHolds": (routes.USER_HOLDS, {"userId": "$response.body#/userId"}),
    },
    (routes.CAPTURE_HOLD, "200"): _movement_links("transactionId"),
    (routes.REVERSAL, "201"): {"GetReversal": (routes.GET_TRANSACTION, _MOVEMENT)},
    (routes.HISTORY, "200"): {
        "NextPage": (routes.HISTORY, {**_NEXT_PAGE, "currency": "$request.query.currency"}),
        "GetTransaction": (routes.GET_TRANSACTION, {"transactionId": "$response.body#/items/0/transactionId"}),
    },
    (routes.USER_HOLDS, "200"): {"NextPage": (routes.USER_HOLDS, _NEXT_PAGE)},
}


def _with_operation_ids(document: dict) -> dict:
    for route, operation_id in OPERATION_IDS.items():
        document["paths"][route.path][route.method.lower()]["operationId"] = operation_id
    return document


def _with_tags(document: dict) -> dict:
    document["tags"] = [{"name": name, "description": about} for name, about in TAGS]
    for (name, _), tagged in TAGS.items():
        for route in tagged:
            document["paths"][route.path][route.method.lower()]["tags"] = [name]
    return document


def _with_links(document: dict) -> dict:
    """Links between operations (a hold and its capture, a movement and its reversal, a page and the next),
    which stateful tools such as Schemathesis follow."""
    for (route, status), links in LINKS.items():
        response = document["paths"][route.path][route.method.lower()]["responses"][status]
        response["links"] = {
            name: {"operationId": OPERATION_IDS[target], "parameters": parameters}
            for name, (target, parameters) in links.items()
        }
    return document


def _with_asset_scales(document: dict) -> dict:
    """Amounts at the configured assets' scales: where a request names its currency beside the amount, the
    amount follows that asset's scale (if/then per asset, the default asset when none is named); elsewhere
    (a capture's or a reversal's, in the asset of what they refer to) the largest configured scale."""
    assets = get_settings().assets
    widest = amount_forms(max(asset.scale for asset in assets))
    for schema in document["components"]["schemas"].values():
        amount = schema.get("properties", {}).get("amount", {})
        forms = amount.get("oneOf") or next((alt["oneOf"] for alt in amount.get("anyOf", []) if "oneOf" in alt), None)
        if forms is None:
            continue  # an answer's amount, not a request's
        forms[:] = widest
        if "currency" not in schema["properties"]:
            continue
        schema["allOf"] = [
            {
                "if": {"properties": {"currency": {"const": asset.code}}, "required": ["currency"]},
                "then": {"properties": {"amount": {"oneOf": amount_forms(asset.scale)}}},
            }
            for asset in assets
        ] + [
            {
                "if": {"not": {"required": ["currency"]}},
                "then": {
                    "properties": {"amount": {"oneOf": amount_forms(get_settings().asset(DEFAULT_CURRENCY).scale)}}
                },
            }
        ]
    return document


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
