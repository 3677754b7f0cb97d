"""The one definition of the HTTP routes: the CDK stack and the local server both read it."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RouteSpec:
    name: str
    method: str
    path: str  # API Gateway syntax: /users/{userId}/balance
    handler: str  # module.function inside lambdas/

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def path_parameters(self, path: str) -> dict[str, str] | None:
        """The path parameters if `path` is this route's path (API Gateway's matching), else None."""
        pattern = "^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$"
        found = re.match(pattern, path)
        return found.groupdict() if found else None

    @property
    def resolver_path(self) -> str:
        """The same path in Powertools syntax (/users/<userId>/balance)."""
        return self.path.replace("{", "<").replace("}", ">")


BALANCE = RouteSpec("Balance", "GET", "/users/{userId}/balance", "handlers.balance.lambda_handler")
BALANCES = RouteSpec("Balances", "GET", "/users/{userId}/balances", "handlers.balances.lambda_handler")
TRANSACT = RouteSpec("Transact", "POST", "/transactions", "handlers.transact.lambda_handler")
TRANSFER = RouteSpec("Transfer", "POST", "/transfers", "handlers.transfer.lambda_handler")
POSTINGS = RouteSpec("Postings", "POST", "/postings", "handlers.postings.lambda_handler")
GET_TRANSACTION = RouteSpec(
    "GetTransaction", "GET", "/transactions/{transactionId}", "handlers.transaction.lambda_handler"
)
REVERSAL = RouteSpec("Reversal", "POST", "/transactions/{transactionId}/reversal", "handlers.reversal.lambda_handler")
PLACE_HOLD = RouteSpec("PlaceHold", "POST", "/holds", "handlers.holds.lambda_handler")
GET_HOLD = RouteSpec("GetHold", "GET", "/holds/{holdId}", "handlers.holds.lambda_handler")
CAPTURE_HOLD = RouteSpec("CaptureHold", "POST", "/holds/{holdId}/capture", "handlers.holds.lambda_handler")
VOID_HOLD = RouteSpec("VoidHold", "POST", "/holds/{holdId}/void", "handlers.holds.lambda_handler")
USER_HOLDS = RouteSpec("UserHolds", "GET", "/users/{userId}/holds", "handlers.holds.lambda_handler")
HISTORY = RouteSpec("History", "GET", "/users/{userId}/transactions", "handlers.history.lambda_handler")
SYSTEM_ACCOUNTS = RouteSpec("SystemAccounts", "GET", "/system-accounts", "handlers.system_accounts.lambda_handler")
SYSTEM_BALANCE = RouteSpec(
    "SystemBalance", "GET", "/system-accounts/{name}/balance", "handlers.system_accounts.lambda_handler"
)
RECONCILIATION = RouteSpec("Reconciliation", "GET", "/reconciliation", "handlers.system_accounts.lambda_handler")
# The operators' console: its page (API Gateway routes /console/ here too) and its files.
CONSOLE = RouteSpec("Console", "GET", "/console", "handlers.console.lambda_handler")
CONSOLE_FILE = RouteSpec("ConsoleFile", "GET", "/console/{file}", "handlers.console.lambda_handler")
# Every other method and path: a 404 in the service's error format instead of API Gateway's own.
NOT_FOUND = RouteSpec("NotFound", "ANY", "$default", "handlers.not_found.lambda_handler")

API_ROUTES = (
    BALANCE,
    BALANCES,
    TRANSACT,
    TRANSFER,
    POSTINGS,
    GET_TRANSACTION,
    REVERSAL,
    PLACE_HOLD,
    GET_HOLD,
    CAPTURE_HOLD,
    VOID_HOLD,
    USER_HOLDS,
    HISTORY,
    SYSTEM_ACCOUNTS,
    SYSTEM_BALANCE,
    RECONCILIATION,
    CONSOLE,
    CONSOLE_FILE,
)
# Served without the API's authorizer: static files; the data they fetch goes through it.
PUBLIC_ROUTES = (CONSOLE, CONSOLE_FILE)
ALL_ROUTES = (*API_ROUTES, NOT_FOUND)


def methods_at(path: str) -> list[str]:
    """The methods the API has at this path (empty: no route has it)."""
    return sorted({route.method for route in API_ROUTES if route.path_parameters(path) is not None})


def parameters_at(method: str, path: str) -> list[str]:
    """The path parameters of the route with this method and path (empty: none has it)."""
    for route in API_ROUTES:
        found = route.path_parameters(path) if route.method == method else None
        if found is not None:
            return list(found)
    return []
