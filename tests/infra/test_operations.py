"""Running it in production: events, dead letters, the nightly reconciliation, alarms, concurrency,
SnapStart, scanner suppressions, and the WalletService construct in another app."""

import json

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from api.routes import ALL_ROUTES
from infra.config import WalletConfig
from infra.wallet_service import WalletService
from tests.infra.conftest import SKIP_BUNDLING, synth


def resources(template, kind):
    return template.find_resources(kind)


def one(template, kind):
    [(name, resource)] = resources(template, kind).items()
    return name, resource["Properties"]


def function_named(template, prefix):
    [(name, resource)] = [
        (name, fn) for name, fn in resources(template, "AWS::Lambda::Function").items() if name.startswith(prefix)
    ]
    return name, resource


def test_the_stream_feeds_one_consumer_in_order_with_bisect_retries_and_a_dead_letter_queue(template):
    _, table = next(
        (name, props)
        for name, props in ((n, r["Properties"]) for n, r in resources(template, "AWS::DynamoDB::GlobalTable").items())
        if props["KeySchema"][0]["AttributeName"] == "PK"
    )
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    _, mapping = one(template, "AWS::Lambda::EventSourceMapping")
    queue, _ = one(template, "AWS::SQS::Queue")
    consumer, _ = function_named(template, "StreamEventsFunction")
    assert mapping["FunctionName"] == {"Ref": consumer}
    assert mapping["StartingPosition"] == "TRIM_HORIZON"
    assert mapping["ParallelizationFactor"] == 1  # one batch per shard at a time: ledger order
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["MaximumRetryAttempts"] == 10 and mapping["MaximumRecordAgeInSeconds"] == 86400
    assert mapping["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}}
    [pattern] = [json.loads(entry["Pattern"]) for entry in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {
        "eventName": ["INSERT"],
        "dynamodb": {"Keys": {"SK": {"S": ["TXKEY"]}}, "NewImage": {"outcome": {"S": ["APPLIED"]}}},
    }


def test_the_consumer_may_put_events_on_the_wallet_bus_only(template):
    bus, _ = one(template, "AWS::Events::EventBus")
    _, consumer = function_named(template, "StreamEventsFunction")
    assert consumer["Properties"]["Environment"]["Variables"]["WALLET_EVENT_BUS_NAME"] == {"Ref": bus}
    statements = [
        statement
        for policy in resources(template, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith("StreamEventsRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    puts = [statement for statement in statements if statement["Action"] == "events:PutEvents"]
    assert puts == [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": {"Fn::GetAtt": [bus, "Arn"]}}]
    assert not any("dynamodb:PutItem" in str(statement["Action"]) for statement in statements)


def test_dead_letters_queue_logs_and_topic_are_encrypted_with_the_rotated_wallet_key(template):
    key_name, key = one(template, "AWS::KMS::Key")
    assert key["EnableKeyRotation"] is True
    _, queue = one(template, "AWS::SQS::Queue")
    _, topic = one(template, "AWS::SNS::Topic")
    assert queue["KmsMasterKeyId"] == topic["KmsMasterKeyId"] == {"Fn::GetAtt": [key_name, "Arn"]}
    policies = [p["Properties"]["PolicyDocument"] for p in resources(template, "AWS::SQS::QueuePolicy").values()]
    assert any(
        statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for policy in policies
        for statement in policy["Statement"]
    )


def test_the_nightly_reconciliation_runs_on_a_schedule_with_retries_and_dead_letters(template):
    _, schedule = one(template, "AWS::Scheduler::Schedule")
    reconcile, fn = function_named(template, "ReconcileFunction")
    queue, _ = one(template, "AWS::SQS::Queue")
    assert schedule["ScheduleExpression"] == "cron(0 3 * * ? *)"
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [reconcile, "Arn"]}
    assert schedule["Target"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 2
    assert fn["Properties"]["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert fn["Properties"]["Timeout"] == 900


def test_the_nightly_run_scans_folds_and_expires_holds_and_may_do_nothing_else(template):
    actions = set()
    for policy in resources(template, "AWS::IAM::Policy").values():
        if policy["Properties"]["Roles"][0]["Ref"].startswith("ReconcileRole"):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                actions |= {action for action in listed if action.startswith("dynamodb:")}
    assert actions == {
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    }


def test_the_nightly_run_may_query_the_pending_holds_index_and_no_other(template):
    indexes = {}
    for policy in resources(template, "AWS::IAM::Policy").values():
        if policy["Properties"]["Roles"][0]["Ref"].startswith("ReconcileRole"):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                resource = statement["Resource"]
                if isinstance(resource, dict) and "Fn::Join" in resource:  # <table ARN>/index/<name>
                    indexes[resource["Fn::Join"][1][1]] = statement["Action"]
    assert {name: action for name, action in indexes.items() if name.startswith("/index/")} == {
        "/index/PendingHolds": "dynamodb:Query"
    }


def test_the_schedule_comes_from_context():
    _, _, template = synth({"wallet:reconcileSchedule": "rate(6 hours)"})
    assert one(template, "AWS::Scheduler::Schedule")[1]["ScheduleExpression"] == "rate(6 hours)"


def alarms(template):
    return {
        props["AlarmName"]: props
        for props in (r["Properties"] for r in resources(template, "AWS::CloudWatch::Alarm").values())
    }


def test_every_alarm_notifies_the_topic_and_the_key_ones_exist_with_their_thresholds(template):
    topic, _ = one(template, "AWS::SNS::Topic")
    found = alarms(template)
    assert all(props["AlarmActions"] == [{"Ref": topic}] for props in found.values())
    expected = {
        "WalletStack-Api-Fault-Count-Any5xx": ("GreaterThanThreshold", 0),
        "WalletStack-Api-Latency-P99-SlowP99": ("GreaterThanThreshold", 3000),
        "WalletStack-StreamEvents-Iterator-Age-Max-IteratorAge": ("GreaterThanThreshold", 300000),
        "WalletStack-DeadLetters-Queue-Message-Count-Max-NotEmpty": ("GreaterThanThreshold", 0),
        "WalletStack-Service-ReconciliationDifferences-BooksDoNotBalance": ("GreaterThanThreshold", 0),
        "WalletStack-Service-ReconciliationRuns-DidNotRun": ("LessThanThreshold", 1),
        "WalletStack-Service-Overloaded": ("GreaterThanThreshold", 10),
        "WalletStack-Service-KeyInFlight-ManyInFlight": ("GreaterThanThreshold", 50),
        "WalletStack-Service-RateLimited-ManyRateLimited": ("GreaterThanThreshold", 100),
        "WalletStack-WalletTable-Write-Throttled-Events-Throttled": ("GreaterThanThreshold", 0),
    }
    for name, (operator, threshold) in expected.items():
        assert (found[name]["ComparisonOperator"], found[name]["Threshold"]) == (operator, threshold), name
    assert found["WalletStack-Service-ReconciliationRuns-DidNotRun"]["TreatMissingData"] == "breaching"
    for route in ALL_ROUTES:
        assert f"WalletStack-{route.name}-Fault-Count-Errors" in found
        assert f"WalletStack-{route.name}-Throttled-Count-Throttles" in found
    assert len(resources(template, "AWS::CloudWatch::Dashboard")) == 1


def test_alarm_email_subscribes_only_when_configured(template):
    assert resources(template, "AWS::SNS::Subscription") == {}
    _, _, with_email = synth({"wallet:alarmEmail": "oncall@example.com"})
    _, subscription = one(with_email, "AWS::SNS::Subscription")
    assert subscription["Protocol"] == "email" and subscription["Endpoint"] == "oncall@example.com"


def reserved(template):
    return {
        name.removesuffix("Function").rstrip("0123456789ABCDEF").removesuffix("Function"): fn["Properties"].get(
            "ReservedConcurrentExecutions"
        )
        for name, fn in resources(template, "AWS::Lambda::Function").items()
    }


def test_reserved_concurrency_defaults_and_overrides_from_context(template):
    limits = reserved(template)
    assert limits["Transact"] == limits["Transfer"] == 50
    assert limits["Balance"] == limits["History"] == 20
    assert limits["StreamEvents"] == 5 and limits["Reconcile"] == 1
    _, _, flat = synth({"wallet:reservedConcurrency": 7})
    assert set(reserved(flat).values()) == {7}
    _, _, partial = synth({"wallet:reservedConcurrency": {"Balance": 3, "History": 0}})
    limits = reserved(partial)
    assert limits["Balance"] == 3 and limits["History"] is None and limits["Transact"] == 50


def test_api_functions_snapstart_and_the_api_invokes_their_live_alias(template):
    api_functions = {name for name, fn in resources(template, "AWS::Lambda::Function").items()}
    snapped = {
        name
        for name, fn in resources(template, "AWS::Lambda::Function").items()
        if fn["Properties"].get("SnapStart") == {"ApplyOn": "PublishedVersions"}
    }
    assert len(snapped) == len(ALL_ROUTES) == len(api_functions) - 2
    aliases = {name for name in resources(template, "AWS::Lambda::Alias")}
    assert len(aliases) == len(ALL_ROUTES)
    for integration in resources(template, "AWS::ApiGatewayV2::Integration").values():
        assert integration["Properties"]["IntegrationUri"]["Ref"] in aliases


def test_snapstart_can_be_turned_off():
    _, _, template = synth({"wallet:snapStart": "false"})
    assert not any("SnapStart" in fn["Properties"] for fn in resources(template, "AWS::Lambda::Function").values())
    assert resources(template, "AWS::Lambda::Alias") == {}


def test_every_checkov_skip_names_its_check_and_gives_a_reason(template):
    skips = [
        skip
        for resource in template.to_json()["Resources"].values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert {skip["id"] for skip in skips} == {
        "CKV_AWS_309",  # the console's two public routes
        "CKV_AWS_116",
        "CKV_AWS_117",
        "CKV_AWS_173",
        # the digest bucket and its access-log bucket (infra/digests.py)
        "CKV_AWS_18",
        "CKV_AWS_144",
        "CKV_AWS_145",
        "CKV2_AWS_61",
        "CKV2_AWS_62",
    }
    assert all(len(skip["comment"]) > 40 for skip in skips)


@pytest.mark.parametrize(
    "config",
    [
        WalletConfig(),
        WalletConfig(
            auth_mode="jwt",
            jwt_issuer="https://issuer.example.com",
            jwt_audience=("payments",),
            admin_scope="payments/admin",
            alarm_email="payments-oncall@example.com",
            reserved_concurrency=(("default", 5),),
            reconcile_schedule="rate(12 hours)",
            snap_start=False,
            removal_policy="destroy",
            log_retention_days=7,
        ),
    ],
    ids=["defaults", "jwt-email-small-limits-no-snapstart"],
)
def test_the_construct_drops_into_another_app_and_passes_the_nag_packs(config):
    app = App(context=SKIP_BUNDLING)
    stack = Stack(app, "PaymentsPlatform")
    service = WalletService(stack, "Wallet", config=config)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    template = Template.from_stack(stack)  # synthesis fails on any unacknowledged cdk-nag error

    assert service.url and service.event_bus and service.monitoring.dashboard_name == "PaymentsPlatform-Wallet"
    assert all(name.startswith("PaymentsPlatform-Wallet-") for name in alarms(template))
    assert len(resources(template, "AWS::Lambda::Function")) == len(ALL_ROUTES) + 2
    schedule = one(template, "AWS::Scheduler::Schedule")[1]["ScheduleExpression"]
    assert schedule == config.reconcile_schedule
    subscriptions = resources(template, "AWS::SNS::Subscription")
    assert len(subscriptions) == (1 if config.alarm_email else 0)
    authorizers = resources(template, "AWS::ApiGatewayV2::Authorizer")
    assert len(authorizers) == (1 if config.auth_mode == "jwt" else 0)


def _digest_buckets(template):
    return {
        name: bucket["Properties"]
        for name, bucket in resources(template, "AWS::S3::Bucket").items()
        if "ObjectLockConfiguration" in bucket["Properties"]
    }


def test_digests_are_anchored_in_a_bucket_no_one_can_rewrite_for_a_year_by_default(template):
    [(name, bucket)] = _digest_buckets(template).items()
    assert bucket["ObjectLockEnabled"] is True
    assert bucket["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 365}},
    }
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "LoggingConfiguration" in bucket
    assert template.to_json()["Resources"][name]["DeletionPolicy"] == "Retain"


def test_the_digest_retention_comes_from_context():
    _, _, template = synth({"wallet:digestRetentionDays": 2555})
    [bucket] = _digest_buckets(template).values()
    assert bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Days": 2555}
    with pytest.raises(ValueError, match="digestRetentionDays"):
        WalletConfig(digest_retention_days=0)


def test_the_nightly_run_may_only_add_digests_and_no_other_function_may_touch_them(template):
    [bucket_name] = _digest_buckets(template)
    statements = [
        (policy["Properties"]["Roles"][0]["Ref"], statement)
        for policy in resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    on_the_bucket = [
        (role, statement) for role, statement in statements if bucket_name in json.dumps(statement["Resource"])
    ]
    assert [role.startswith("ReconcileRole") for role, _ in on_the_bucket] == [True]
    [(_, statement)] = on_the_bucket
    assert statement["Action"] == "s3:PutObject"
    assert statement["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_name, "Arn"]}, "/digests/*"]]}
    reconcile_actions = {
        action
        for role, statement in statements
        if role.startswith("ReconcileRole")
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }
    assert not {action for action in reconcile_actions if action.startswith("s3:") and action != "s3:PutObject"}
    assert "events:PutEvents" in reconcile_actions
    _, fn = function_named(template, "ReconcileFunction")
    assert fn["Properties"]["Environment"]["Variables"]["WALLET_DIGEST_BUCKET"] == {"Ref": bucket_name}
