"""Infra tier: synthesize the stack in-process (no AWS, no Docker; bundling skipped for speed)."""

import pytest
from aws_cdk.assertions import Template

from infra.application import build_app

# Bundling is skipped for speed (make synth bundles for real); asset metadata is on, as the CLI sets it.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": [], "aws:cdk:enable-asset-metadata": True}


def synth(context: dict | None = None):
    app, stack = build_app(context={**SKIP_BUNDLING, **(context or {})})
    return app, stack, Template.from_stack(stack)


@pytest.fixture(scope="session")
def iam_stack():
    return synth()


@pytest.fixture(scope="session")
def template(iam_stack) -> Template:
    return iam_stack[2]


@pytest.fixture(scope="session")
def jwt_template() -> Template:
    return synth(
        {"wallet:authMode": "jwt", "wallet:jwtIssuer": "https://issuer.example.com", "wallet:jwtAudience": "wallet"}
    )[2]
