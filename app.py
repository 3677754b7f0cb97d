#!/usr/bin/env python3
"""CDK app: `npx cdk synth` / `npx cdk deploy`. Makes no AWS calls at synth time."""

from infra.application import build_app

app, _ = build_app()
app.synth()
