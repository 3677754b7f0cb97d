"""GET /console and GET /console/{file}: the operators' console.

Static files shipped in the function's code (lambdas/console/, uPlot copied there by make install), served
under a Content-Security-Policy that loads nothing from another host, and config.json: how the page signs
in (nothing locally, the stack's JWT issuer in AWS) and the configured assets and system accounts."""

import html
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from api.entry import lambda_entry
from api.resolver import build_resolver
from api.routes import CONSOLE, CONSOLE_FILE
from api.schemas import error_responses
from handlers import imports_done
from wallet.errors import NotFound
from wallet.settings import get_settings

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# By name: the route takes one path segment, so vendor/ files are served beside the page's own.
FILES = {path.name: path for path in sorted(CONSOLE_DIR.rglob("*")) if path.suffix in CONTENT_TYPES}
CONFIG_FILE = "config.json"
# "none": no sign-in (the local server); "jwt": the issuer's sign-in (the stack in JWT mode); "iam": the
# stack authorizes SigV4 callers, which a browser page cannot be, so the page says what to configure.
SIGN_IN = os.environ.get("WALLET_CONSOLE_SIGN_IN", "none")
ISSUER = os.environ.get("WALLET_JWT_ISSUER", "")
CLIENT_ID = os.environ.get("WALLET_CONSOLE_CLIENT_ID", "")
# The sign-in's token endpoint when its host is not the issuer's (a Cognito domain, say).
TOKEN_ORIGIN = os.environ.get("WALLET_CONSOLE_TOKEN_ORIGIN", "")

router = APIGatewayHttpRouter()


def content_security_policy() -> str:
    """Only this origin, plus the sign-in's hosts for the token exchange: no inline script, no CDN."""
    sign_in = {f"{url.scheme}://{url.netloc}" for url in map(urlsplit, (ISSUER, TOKEN_ORIGIN)) if url.netloc}
    connect = " ".join(["'self'", *sorted(sign_in)])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
    )


HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # a deploy's new page is picked up at once; the files are small
}


def console_config() -> dict[str, object]:
    settings = get_settings()
    return {
        "signIn": SIGN_IN,
        "issuer": ISSUER,
        "clientId": CLIENT_ID,
        "adminScope": settings.admin_scope,
        "readScope": settings.read_scope,
        "assets": [{"code": asset.code, "scale": asset.scale} for asset in settings.assets],
        "systemAccounts": list(settings.system_accounts),
    }


@router.route(
    CONSOLE.resolver_path,
    method=CONSOLE.method,
    summary="The operators' console, a web page (at /console/ as well)",
    responses={200: {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
@router.route(CONSOLE.resolver_path + "/", method=CONSOLE.method, include_in_schema=False)
def console_page():  # a Response: Powertools cannot model one as a return annotation
    """The page with a base URL under the console's own path (the stage's prefix included, if any), so its
    relative links reach /console/<file> whether it was asked for as /console or /console/."""
    base = router.current_event.raw_path.rstrip("/") + "/"
    page = (
        FILES["index.html"]
        .read_text(encoding="utf-8")
        .replace("<head>", f'<head>\n  <base href="{html.escape(base)}">', 1)
    )
    return Response(200, CONTENT_TYPES[".html"], page, HEADERS)


@router.route(
    CONSOLE_FILE.resolver_path,
    method=CONSOLE_FILE.method,
    summary="A file of the console: its script, styles, the chart library, its configuration",
    responses={
        200: {
            "description": "The file",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/javascript": {"schema": {"type": "string"}},
                "text/css": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        },
        **error_responses(400, 404),
    },
)
def console_file(file: str):
    if file == CONFIG_FILE:
        return Response(200, "application/json", json.dumps(console_config()), HEADERS)
    return _file_response(file)


def _file_response(name: str) -> Response:
    path = FILES.get(name)
    if path is None:
        raise NotFound(f"The console has no file named {name!r}.")
    return Response(200, CONTENT_TYPES[path.suffix], path.read_text(encoding="utf-8"), HEADERS)


app = build_resolver(router)
lambda_handler = lambda_entry(app)

imports_done()
