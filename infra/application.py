"""Builds the CDK app: the stack plus cdk-nag's AwsSolutions and Serverless checks (they fail synth on any error)."""

from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from infra.config import WalletConfig
from infra.stack import WalletStack

STACK_NAME = "WalletStack"


def build_app(context: dict[str, Any] | None = None, outdir: str | None = None) -> tuple[App, WalletStack]:
    app = App(context=context, outdir=outdir)
    stack = WalletStack(
        app,
        STACK_NAME,
        config=WalletConfig.from_context(app),
        description="Serverless wallet: exactly-once credits and debits on Lambda and DynamoDB",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return app, stack
