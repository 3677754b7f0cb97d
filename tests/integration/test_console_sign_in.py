"""The console in JWT mode, in headless Chromium: an operator signs in with the issuer (authorization code
with PKCE, against a small OpenID provider in this test), reads with the read scope and cannot act without
the admin scope; the API refuses what the page does not offer. The local server plays API Gateway's JWT
authorizer (local/jwt.py)."""

import base64
import hashlib
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By

from local.contract import local_server
from local.dynamodb_local import free_port
from tests.browser import call, fill, form, heading, rows, submit_and_wait, wait_ready, wait_until
from tests.support import unique

ADMIN, READ, CLIENT_ID = "wallet/admin", "wallet/read", "console"
# Every test fails on an error in the browser's console it did not expect (conftest.console_errors).
pytestmark = pytest.mark.usefixtures("console_errors")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    """An OpenID provider that signs in whoever `next_user` names, checking the PKCE verifier at the token."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.next_user: tuple[str, list[str]] = ("nobody", [])
        self.codes: dict[str, tuple[str, str, list[str]]] = {}  # code -> (challenge, subject, scopes)
        self.exchanges = 0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    self._json(
                        {
                            "issuer": provider.issuer,
                            "authorization_endpoint": f"{provider.issuer}/authorize",
                            "token_endpoint": f"{provider.issuer}/token",
                        }
                    )
                elif url.path == "/authorize" and query.get("code_challenge_method") == "S256":
                    code = unique("code")
                    provider.codes[code] = (query["code_challenge"], *provider.next_user)
                    back = f"{query['redirect_uri']}?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                    self.send_response(302)
                    self.send_header("Location", back)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self._json({"error": "invalid_request"}, 400)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                sent = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                challenge, subject, scopes = provider.codes.pop(sent.get("code", ""), ("", "", []))
                verified = _b64(hashlib.sha256(sent.get("code_verifier", "").encode()).digest()) == challenge
                if not (challenge and verified and sent.get("client_id") == CLIENT_ID):
                    self._json({"error": "invalid_grant"}, 400)
                    return
                provider.exchanges += 1
                claims = {"iss": provider.issuer, "sub": subject, "scope": " ".join(scopes), "exp": time.time() + 600}
                token = ".".join([_b64(b'{"alg":"none"}'), _b64(json.dumps(claims).encode()), _b64(b"unsigned")])
                self._json({"access_token": token, "token_type": "Bearer"})

            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    provider = Provider()
    yield provider
    provider.server.shutdown()


@pytest.fixture(scope="module")
def jwt_url(own_dynamodb, provider) -> Iterator[str]:
    settings = {
        "WALLET_AUTH_MODE": "jwt",
        "WALLET_ADMIN_SCOPE": ADMIN,
        "WALLET_READ_SCOPE": READ,
        "WALLET_JWT_ISSUER": provider.issuer,
        "WALLET_CONSOLE_SIGN_IN": "jwt",
        "WALLET_CONSOLE_CLIENT_ID": CLIENT_ID,
    }
    with local_server(own_dynamodb.endpoint, settings) as url:
        yield url


def sign_in(browser, url: str, provider: Provider, subject: str, scopes: list[str], route: str) -> None:
    browser.get(f"{url}/console/")
    browser.execute_script("sessionStorage.clear()")
    browser.refresh()
    wait_ready(browser)
    assert heading(browser) == "Sign in"
    provider.next_user = (subject, scopes)
    browser.find_element(By.XPATH, "//main//button[.='Sign in']").click()
    wait_until(browser, lambda driver: "Signed in as" in driver.find_element(By.ID, "session").text)
    browser.get(f"{url}/console/{route}")
    browser.refresh()
    wait_ready(browser)


def from_page(browser, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """A request sent from the page with its token, as a script in it could send one."""
    return browser.execute_async_script(
        "const [method, path, body, done] = arguments;"
        "const token = sessionStorage.getItem('wallet.console.token');"
        "fetch(new URL(path, new URL('../', document.baseURI)), {method, body: body ? JSON.stringify(body) : undefined,"
        " headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token}`}})"
        ".then(async (r) => done([r.status, await r.json()]));",
        method,
        path,
        body,
    )


def test_the_api_refuses_a_request_without_a_token_but_serves_the_console(jwt_url):
    assert call(jwt_url, "GET", "/system-accounts") == (401, {"message": "Unauthorized"})
    assert call(jwt_url, "GET", "/console/config.json")[1]["signIn"] == "jwt"


def test_an_operator_with_the_read_scope_reads_but_cannot_act(browser, jwt_url, provider, console_errors):
    console_errors.append("the server responded with a status of 403")
    exchanges = provider.exchanges
    customer = unique("customer")
    sign_in(browser, jwt_url, provider, "support-1", [READ], f"#/users/{customer}")

    assert provider.exchanges == exchanges + 1  # the code went back to the provider with its PKCE verifier
    assert "support-1 (read only)" in browser.find_element(By.ID, "session").text
    assert rows(browser, "Balances per asset")[0] == ["USD", "100.00", "0.00", "100.00"]
    action = form(browser, "Manual credit or debit")
    assert not action.find_element(By.CSS_SELECTOR, "button[type=submit]").is_enabled()
    assert "Acting needs the admin scope" in action.text

    credit = {"idempotentKey": unique("k"), "userId": customer, "amount": "5.00", "type": "credit"}
    status, refused = from_page(browser, "POST", "transactions", credit)
    assert (status, refused["error"]["code"]) == (403, "FORBIDDEN")
    assert from_page(browser, "GET", "system-accounts")[0] == 200
    assert from_page(browser, "GET", f"users/{customer}/balance")[1]["balance"] == "100.00"  # nothing moved


def test_an_admin_signs_in_and_a_double_clicked_credit_lands_once(browser, jwt_url, provider):
    customer = unique("customer")
    sign_in(browser, jwt_url, provider, "ops-1", [ADMIN], f"#/users/{customer}")
    assert "ops-1 (admin)" in browser.find_element(By.ID, "session").text

    action = form(browser, "Manual credit or debit")
    fill(action, type="credit", amount="3.00", description="Signed-in credit")
    outcome = submit_and_wait(browser, action, double=True)

    assert "done" in outcome
    assert rows(browser, "Balances per asset")[0][1] == "103.00"


def test_signing_out_forgets_the_token(browser, jwt_url, provider, console_errors):
    console_errors.append("/reconciliation - Failed to load resource: the server responded with a status of 404")
    sign_in(browser, jwt_url, provider, "ops-2", [READ], "#/system")
    assert heading(browser) == "System accounts"

    browser.find_element(By.XPATH, "//header//button[.='Sign out']").click()
    wait_ready(browser)

    assert heading(browser) == "Sign in"
    assert browser.execute_script("return sessionStorage.getItem('wallet.console.token')") is None
