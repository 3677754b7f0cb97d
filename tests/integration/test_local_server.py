"""The local server (`make run`) takes bursts of connections: 256 at once, new and kept alive, with no
reset and no 5xx."""

import http.client
import json
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from api.routes import API_ROUTES, CONSOLE
from tests.support import unique

CONNECTIONS = 256


def test_256_concurrent_connections_get_answers_without_a_reset_or_a_5xx(api_server):
    address = urlsplit(api_server)
    start = threading.Barrier(CONNECTIONS)  # every connection opens at the same moment

    def client(number: int) -> list[int | str]:
        user = unique(f"load{number}")
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        statuses: list[int | str] = []
        try:
            start.wait()
            for request in range(2):  # the second request reuses the kept-alive connection
                body = json.dumps({"idempotentKey": unique("k"), "userId": user, "amount": "1.00", "type": "debit"})
                if request == 0:
                    connection.request("GET", f"/users/{user}/balance")
                else:
                    connection.request("POST", "/transactions", body, {"Content-Type": "application/json"})
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
        except OSError as error:  # a reset or refused connection is a result to count
            statuses.append(type(error).__name__)
        finally:
            connection.close()
        return statuses

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        results = list(pool.map(client, range(CONNECTIONS)))

    failures = [statuses for statuses in results if statuses != [200, 201]]
    assert failures == [], f"{len(failures)} connections failed: {failures[:5]}"


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_every_method_and_path_is_answered_in_json_as_api_gateway_routes_it(api_server):
    """The routes the stack declares (tests/infra holds the template to API_ROUTES) answer their method;
    every other method reaches the $default route: a 405 with Allow at a path the API has, its JSON 404
    elsewhere, never http.server's own page."""
    address = urlsplit(api_server)
    declared = {(route.method, _concrete(route.path)) for route in API_ROUTES}
    paths = sorted({_concrete(route.path) for route in API_ROUTES} | {"/nope", "/users/u1/balance/extra"})
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "BREW"]
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)

    def send(method: str, path: str) -> tuple[int, str, bytes, str | None]:
        connection.request(method, path, "{}", {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.getheader("content-type", ""), response.read(), response.getheader("allow")

    default = send("GET", "/nope")  # the $default route's answer
    assert default[0] == 404 and json.loads(default[2])["error"]["code"] == "NOT_FOUND"
    for method in methods:
        for path in paths:
            status, content_type, data, allow = send(method, path)
            page = (method, path) == (CONSOLE.method, CONSOLE.path)  # the console's page; all else is JSON
            assert content_type.startswith("text/" if page else "application/json"), (method, path)
            allowed = sorted(known for known, at in declared if at == path)
            if method in allowed:
                assert data != default[2] and status != 405, f"{method} {path} is declared but fell to $default"
            elif allowed:
                assert (status, allow) == (405, ", ".join(allowed)), (method, path, status)
                assert method == "HEAD" or json.loads(data)["error"]["code"] == "METHOD_NOT_ALLOWED"
            elif method == "HEAD":
                assert (status, data) == (404, b""), path
            else:
                assert (status, data) == (404, default[2]), (method, path, status, data)
    connection.close()


def test_a_malformed_request_line_is_a_json_400(api_server):
    address = urlsplit(api_server)
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(b"GET /users/u1/balance HTTP/1.1 extra\r\n\r\n")
        received = b""
        while chunk := raw.recv(4096):  # the server closes the connection after its answer
            received += chunk
    answer = received.decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400") and "application/json" in head.lower()
    assert set(json.loads(body)) == {"message"}
