"""Nightly run (EventBridge Scheduler): mark overdue holds expired, fold the system accounts, check the books,
then anchor a ledger digest of every account's chain head (read by the same scan).

Publishes ReconciliationDifferences (alarm when > 0) and logs each difference with what it is about.
`make reconcile` runs the same `run_reconciliation`; `make digest` takes a digest on demand.
"""

import os
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

import wallet
from api.observability import logger, metrics, tracer
from handlers import imports_done
from wallet.chain import Head
from wallet.digests import digest_anchor, take_digest
from wallet.event_bus import EventBridgePublisher
from wallet.models import Hold
from wallet.reconcile import Report, reconcile, reconcile_live
from wallet.repository import account_from_item, hold_from_item, is_balance_item, is_unindexed_pending_hold
from wallet.service import WalletService, timestamp, utc_now
from wallet.settings import get_settings

SCAN_SEGMENTS = 4


def run_reconciliation(
    service: WalletService,
    *,
    live: bool,
    fold: bool,
    expire: bool = False,
    segments: int = SCAN_SEGMENTS,
    heads: dict[tuple[str, str], Head] | None = None,
) -> Report:
    """live: traffic may continue during the scan (see reconcile_live); otherwise every item is checked.
    expire and fold tidy first: overdue holds marked expired (one event each; found on the PendingHolds
    index, not by a scan), system legs folded. The table is scanned once (a second time only to confirm a
    difference in live mode). heads, if given, collects every chained account's head as the scan read it."""
    if expire:
        logger.info("marked holds expired", extra={"holds": service.expire_overdue_holds()})
    if fold:
        logger.info("folded system buckets", extra={"buckets": service.fold_system_accounts()})
    settings = get_settings()
    ran_at = timestamp(utc_now())
    unindexed: dict[str, Hold] = {}

    def scan() -> Iterator[dict[str, Any]]:
        for item in service.repository.scan_parallel(segments):
            if expire and is_unindexed_pending_hold(item):  # placed before the index: the scan finds them
                hold = hold_from_item(item)
                unindexed[hold.hold_id] = hold
            elif heads is not None and is_balance_item(item):
                head = Head.of(account_from_item(item))
                if head is not None:
                    heads[(head.user_id, head.currency)] = head
            yield item

    report = reconcile_live(scan, settings) if live else reconcile(scan(), settings)
    if unindexed:
        logger.info("marked holds expired", extra={"holds": service.expire_holds(unindexed.values())})
    service.repository.save_reconciliation(report.record(ran_at, settings))  # the console's books check
    return report


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    segments = int(os.environ.get("WALLET_RECONCILE_SEGMENTS", SCAN_SEGMENTS))
    heads: dict[tuple[str, str], Head] = {}
    service = wallet.default_service()
    report = run_reconciliation(service, live=True, fold=True, expire=True, segments=segments, heads=heads)
    for difference in report.differences:
        logger.error("books difference", extra={"difference": difference})
    metrics.add_metric(name="ReconciliationDifferences", unit=MetricUnit.Count, value=len(report.differences))
    metrics.add_metric(name="ReconciliationItems", unit=MetricUnit.Count, value=report.items)
    logger.info("reconciled", extra={"summary": report.summary().splitlines()})
    publisher = EventBridgePublisher(os.environ["WALLET_EVENT_BUS_NAME"])
    digest, location = take_digest(list(heads.values()), timestamp(utc_now()), digest_anchor(), publisher)
    metrics.add_metric(name="DigestAccounts", unit=MetricUnit.Count, value=len(digest.heads))
    logger.info("ledger digest anchored", extra={"root": digest.root, "location": location})
    return {
        "clean": report.clean,
        "differences": len(report.differences),
        "items": report.items,
        "digest": {"root": digest.root, "location": location},
    }


imports_done()
