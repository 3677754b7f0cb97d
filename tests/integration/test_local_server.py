"""The local server (`make run`) takes bursts of connections: 256 at once, new and kept alive, with no
reset and no 5xx."""

import http.client
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

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
