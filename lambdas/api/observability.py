"""Powertools logger, tracer and metrics shared by every handler.

Service name and namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE,
which the stack sets; the defaults below serve local runs and tests.
"""

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME", "wallet")

logger = Logger(service=SERVICE_NAME)
# Only botocore is patched (DynamoDB and EventBridge calls become subsegments): patching every library the
# X-Ray SDK knows imports each one it finds, at every cold start, for calls this service never makes.
tracer = Tracer(service=SERVICE_NAME, patch_modules=("botocore",))
metrics = Metrics(service=SERVICE_NAME, namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Wallet"))
