"""Turns an HTTP request into the API Gateway HTTP API (payload 2.0) event a handler receives."""

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, unquote

from api.routes import ALL_ROUTES, NOT_FOUND, RouteSpec


def match_route(method: str, path: str) -> tuple[RouteSpec, dict[str, str]]:
    """The route API Gateway would pick, with its path parameters; $default when none matches. Like API
    Gateway, a path with a trailing slash reaches the route without it (its function sees the slash)."""
    for candidate in (path, path.rstrip("/")) if len(path) > 1 and path.endswith("/") else (path,):
        for route in ALL_ROUTES:
            if route is NOT_FOUND or route.method != method:
                continue
            found = route.path_parameters(candidate)
            if found is not None:
                return route, found
    return NOT_FOUND, {}


def http_api_event(
    method: str,
    raw_path: str,
    raw_query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    route, encoded_parameters = match_route(method, raw_path)
    # HTTP APIs hand the function the path and its parameters percent-decoded (UTF-8), split before decoding
    path = unquote(raw_path)
    path_parameters = {name: unquote(value) for name, value in encoded_parameters.items()}
    lower_headers = {name.lower(): value for name, value in (headers or {}).items()}  # as HTTP APIs deliver them
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key if route is not NOT_FOUND else "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lower_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lower_headers.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lower_headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key if route is not NOT_FOUND else "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if raw_query:
        query: dict[str, str] = {}
        for name, value in parse_qsl(raw_query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value  # API Gateway joins repeats
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        raw = body.encode() if isinstance(body, str) else body
        try:
            event["body"] = raw.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    return event
