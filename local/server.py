"""Serves the wallet's HTTP API on 127.0.0.1 by invoking the real Lambda handlers.

    make run            (or: python -m local.server)

Each request becomes an API Gateway HTTP API event for the handler its route names. DynamoDB Local
is started with data under .dynamodb/, unless AWS_ENDPOINT_URL_DYNAMODB already points somewhere.
"""

import base64
import json
import os
import signal
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from api.routes import PUBLIC_ROUTES
from local.apigw import http_api_event, match_route
from local.dynamodb_local import DATA_DIR, DynamoDBLocal, local_aws_environment
from local.jwt import authorizer_context
from local.runtime import LocalLambda

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's own limit


class LambdaProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave together, not 40 ms apart (delayed ACK)

    def __getattr__(self, name: str) -> Any:
        """Every method goes to the routes, as API Gateway's do: one the API does not declare (TRACE, any
        token) reaches the $default route's JSON 404, never http.server's own 501 page."""
        if name.startswith("do_"):
            return self._invoke
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses before a route is known (a malformed request line, an oversized
        header), answered in JSON as API Gateway answers it, not as an HTML page."""
        data = json.dumps({"message": message or HTTPStatus(code).phrase}).encode()
        self.request_version = self.protocol_version  # a line too malformed to parse still gets a status line
        self.close_connection = True
        self._send(code, {"content-type": "application/json", "connection": "close"}, data)

    def _invoke(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._send(413, {"content-type": "application/json"}, b'{"message":"Request Entity Too Large"}')
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else None
        url = urlsplit(self.path)
        event = http_api_event(
            self.command, url.path, url.query, dict(self.headers.items()), body, self.client_address[0]
        )
        route, _ = match_route(self.command, url.path)
        issuer = self.server.jwt_issuer  # type: ignore[attr-defined]
        if issuer and route not in PUBLIC_ROUTES:  # JWT mode: API Gateway's authorizer runs first
            authorizer = authorizer_context(event["headers"], issuer)
            if authorizer is None:
                self._send(401, {"content-type": "application/json"}, b'{"message":"Unauthorized"}')
                return
            event["requestContext"]["authorizer"] = authorizer
        result = self.server.lambda_runtime.invoke(route.handler, event, function_name=f"wallet-{route.name}")  # type: ignore[attr-defined]
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        self._send(int(result.get("statusCode", 200)), result.get("headers") or {}, data)

    def _send(self, status: int, headers: dict[str, str], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


class WalletHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Python's default listen backlog is 5: a burst of new connections would be reset by the kernel.
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], lambda_runtime: LocalLambda, jwt_issuer: str = ""):
        super().__init__(address, LambdaProxyHandler)
        self.lambda_runtime = lambda_runtime
        self.jwt_issuer = jwt_issuer  # set: requests need its bearer tokens, as behind the stack's JWT authorizer


def wallet_http_server(port: int, lambda_runtime: LocalLambda, jwt_issuer: str = "") -> WalletHTTPServer:
    """An HTTP server on 127.0.0.1:port whose requests are served by the handlers in lambda_runtime."""
    return WalletHTTPServer(("127.0.0.1", port), lambda_runtime, jwt_issuer)


def start_event_consumer(stop: threading.Event) -> Path:
    """The stream consumer the stack runs as a Lambda, here appending events to a JSON-lines file."""
    from local.events import StreamConsumer
    from wallet.aws import dynamodb_client
    from wallet.event_bus import JsonLinesPublisher
    from wallet.settings import get_settings

    events_file = Path(os.environ.get("WALLET_EVENTS_FILE", DATA_DIR / "events.jsonl")).resolve()
    consumer = StreamConsumer(
        dynamodb_client(),
        get_settings().wallet_table,
        JsonLinesPublisher(events_file, os.environ.get("EVENTS_WEBHOOK_URL")),
        checkpoint_path=events_file.with_name(events_file.name + ".checkpoint"),
    )
    threading.Thread(target=consumer.run, args=(stop,), name="event-consumer", daemon=True).start()
    return events_file


def _stop_on_sigterm(*_: Any) -> None:
    raise KeyboardInterrupt  # `kill` stops DynamoDB Local with the server, as Ctrl-C does


def main() -> None:
    from wallet.settings import ConfigurationError, get_settings

    try:  # fail closed before starting anything: a bad setting names itself and nothing is left running
        settings = get_settings()
    except ConfigurationError as error:
        raise SystemExit(f"Not starting: {error}") from None
    jwt_issuer = os.environ.get("WALLET_JWT_ISSUER", "") if settings.auth_mode == "jwt" else ""
    if settings.auth_mode == "jwt" and not jwt_issuer:
        raise SystemExit("Not starting: WALLET_AUTH_MODE=jwt needs WALLET_JWT_ISSUER, the issuer tokens must come from")
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    port = int(os.environ.get("PORT", "3000"))
    dynamodb = None
    if not os.environ.get("AWS_ENDPOINT_URL_DYNAMODB"):
        dynamodb = DynamoDBLocal(port=int(os.environ.get("DYNAMODB_PORT", "8000")), data_dir=DATA_DIR).start()
        os.environ.update(local_aws_environment(dynamodb.endpoint))
    else:
        os.environ.update(local_aws_environment(os.environ["AWS_ENDPOINT_URL_DYNAMODB"]))

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF lines in the terminal; CloudWatch reads them
    from infra.tables import ensure_tables
    from wallet.aws import dynamodb_client

    ensure_tables(dynamodb_client())
    stop_events = threading.Event()
    events_file = start_event_consumer(stop_events)
    server = wallet_http_server(port, LocalLambda(int(os.environ.get("LAMBDA_ENVIRONMENTS", "4"))), jwt_issuer)
    print(f"Wallet API listening on http://127.0.0.1:{port} (DynamoDB at {os.environ['AWS_ENDPOINT_URL_DYNAMODB']})")
    example = json.dumps({"idempotentKey": "k1", "userId": "u1", "amount": "50.00", "type": "credit"})
    print(f"  curl http://127.0.0.1:{port}/users/u1/balance")
    print(f"  curl -X POST http://127.0.0.1:{port}/transactions -H 'Content-Type: application/json' -d '{example}'")
    webhook = os.environ.get("EVENTS_WEBHOOK_URL")
    print(f"  movement events: {events_file}" + (f" and POST {webhook}" if webhook else ""))
    if jwt_issuer:
        print(f"  JWT mode: bearer tokens of {jwt_issuer} (claims read, signatures not checked: local only)")
    if settings.user_rate_limit is not None:
        limit = settings.user_rate_limit
        print(f"  rate limit: {limit.per_second:g} movements a second per account, bursts of {limit.burst}")
    print("Ctrl-C stops the server" + (" and DynamoDB Local." if dynamodb else "."), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop_events.set()
        server.server_close()
        server.lambda_runtime.close()
        if dynamodb:
            dynamodb.stop()


if __name__ == "__main__":
    main()
