"""The synthesized template, property by property (aws_cdk.assertions)."""

import json

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match

from api.routes import ALL_ROUTES, API_ROUTES, PUBLIC_ROUTES
from infra.application import build_app
from infra.bundling import LAMBDAS_DIR
from infra.config import WalletConfig
from tests.infra.conftest import SKIP_BUNDLING, synth


def resources(template, kind):
    return template.find_resources(kind)


def test_tables_are_on_demand_encrypted_with_pitr_deletion_protection_and_retain(template):
    tables = resources(template, "AWS::DynamoDB::GlobalTable")
    assert len(tables) == 2
    schemas = {}
    for table in tables.values():
        assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}  # the AWS-managed aws/dynamodb key
        [replica] = props["Replicas"]
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert replica["DeletionProtectionEnabled"] is True
        keys = tuple((key["AttributeName"], key["KeyType"]) for key in props["KeySchema"])
        schemas[keys] = props
        assert all(attribute["AttributeType"] == "S" for attribute in props["AttributeDefinitions"])
    wallet = schemas[(("PK", "HASH"), ("SK", "RANGE"))]
    idempotency = schemas[(("id", "HASH"),)]
    # Only a hot account's queue items carry the attribute: ledger items never expire.
    assert wallet["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_destroy_flag_switches_removal_policy_and_deletion_protection():
    _, _, template = synth({"wallet:removalPolicy": "destroy"})
    for table in resources(template, "AWS::DynamoDB::GlobalTable").values():
        assert table["DeletionPolicy"] == "Delete"
        assert table["Properties"]["Replicas"][0]["DeletionProtectionEnabled"] is False


BACKGROUND_HANDLERS = {"handlers.stream_events.lambda_handler": 60, "handlers.reconcile.lambda_handler": 900}


def test_one_function_per_route_python313_arm64_traced_json_logs(template):
    functions = resources(template, "AWS::Lambda::Function")
    handlers = {fn["Properties"]["Handler"] for fn in functions.values()}
    assert handlers == {route.handler for route in ALL_ROUTES} | set(BACKGROUND_HANDLERS)
    for fn in functions.values():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.13"
        assert props["Architectures"] == ["arm64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["MemorySize"] == (3008 if "reconcile" in props["Handler"] else 512)
        assert props["Timeout"] == BACKGROUND_HANDLERS.get(props["Handler"], 10)
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == "wallet"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "Wallet"
        assert set(env) >= {"WALLET_TABLE_NAME", "IDEMPOTENCY_TABLE_NAME", "WALLET_AUTH_MODE"}
        assert [asset["code"] for asset in json.loads(env["WALLET_ASSETS"])] == ["USD", "EUR", "GOLD"]
        assert json.loads(env["WALLET_SYSTEM_ACCOUNTS"]) == ["treasury", "promotions", "revenue"]
        assert env["WALLET_ADMIN_SCOPE"] == ""


def test_assets_accounts_and_admin_scope_come_from_context():
    assets = [{"code": "GEMS", "scale": 0, "openingBalance": "5"}, {"code": "USD", "scale": 2, "openingBalance": "0"}]
    _, _, template = synth(
        {"wallet:assets": assets, "wallet:systemAccounts": "treasury,revenue,fees", "wallet:adminScope": "ops/admin"}
    )
    for fn in resources(template, "AWS::Lambda::Function").values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert json.loads(env["WALLET_ASSETS"]) == assets
        assert json.loads(env["WALLET_SYSTEM_ACCOUNTS"]) == ["treasury", "revenue", "fees"]
        assert env["WALLET_ADMIN_SCOPE"] == "ops/admin"


def test_functions_carry_the_asset_metadata_sam_local_needs(template):
    for fn in resources(template, "AWS::Lambda::Function").values():
        assert fn["Metadata"]["aws:asset:property"] == "Code"
        # Unbundled here, so the path is the source: the lambdas/ package, not the repository.
        # (make synth bundles into cdk.out/asset.<hash>, and the metadata then names that folder.)
        assert fn["Metadata"]["aws:asset:path"] == str(LAMBDAS_DIR)


def test_log_groups_have_retention_and_the_wallet_key(template):
    groups = resources(template, "AWS::Logs::LogGroup")
    assert len(groups) == len(ALL_ROUTES) + 2 + 1  # one per function, one for API access logs
    assert {group["Properties"]["RetentionInDays"] for group in groups.values()} == {30}
    [key] = resources(template, "AWS::KMS::Key")
    assert all(group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key, "Arn"]} for group in groups.values())


def _policy_statements(template, role_prefix):
    [policy] = [
        policy
        for policy in resources(template, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
    ]
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _logical_id(template, kind, prefix):
    [found] = [name for name in resources(template, kind) if name.startswith(prefix)]
    return found


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        ("Balance", {"WalletTable": {"dynamodb:GetItem"}, "WalletTable/index/ByTime": {"dynamodb:Query"}}),
        ("History", {"WalletTable": {"dynamodb:Query"}, "WalletTable/index/ByTime": {"dynamodb:Query"}}),
        (
            "Transact",
            {
                "WalletTable": {
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                },
                "IdempotencyTable": {
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                },
            },
        ),
        (
            "Balances",
            {
                "WalletTable": {"dynamodb:GetItem", "dynamodb:BatchGetItem"},
                "WalletTable/index/ByTime": {"dynamodb:Query"},
            },
        ),
        (
            "Transfer",
            {
                "WalletTable": {
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                },
                "IdempotencyTable": {
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                },
            },
        ),
        (
            "Reversal",
            {
                "WalletTable": {
                    "dynamodb:GetItem",
                    "dynamodb:BatchGetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                },
                "WalletTable/index/ByMovement": {"dynamodb:Query"},
                "IdempotencyTable": {
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                },
            },
        ),
        ("GetHold", {"WalletTable": {"dynamodb:GetItem"}}),
        ("UserHolds", {"WalletTable/index/ByTime": {"dynamodb:Query"}}),
        (
            "VoidHold",
            {
                "WalletTable": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
                "IdempotencyTable": {
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                },
            },
        ),
        ("SystemAccounts", {"WalletTable": {"dynamodb:BatchGetItem", "dynamodb:Query"}}),
        ("SystemBalance", {"WalletTable": {"dynamodb:BatchGetItem", "dynamodb:Query"}}),
        ("NotFound", {}),
    ],
)
def test_each_role_allows_only_its_own_dynamodb_actions(template, route, expected):
    statements = _policy_statements(template, f"{route}Role")
    dynamo = {}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert statement["Effect"] == "Allow"
        assert not any(action.endswith(":*") or action == "*" for action in actions)
        if actions[0].startswith("dynamodb:"):
            resource = statement["Resource"]
            assert isinstance(resource, dict), "a table or index ARN, never a wildcard"
            if "Fn::Join" in resource:  # an index: <table ARN>/index/<name>
                table_arn, suffix = resource["Fn::Join"][1]
                name = table_arn["Fn::GetAtt"][0].rstrip("0123456789ABCDEF") + suffix
            else:
                name = resource["Fn::GetAtt"][0].rstrip("0123456789ABCDEF")
            dynamo.setdefault(name, set()).update(actions)
        elif actions[0].startswith("logs:"):
            assert statement["Resource"]["Fn::GetAtt"][0].startswith(f"{route}Logs")
        else:  # X-Ray: no resource-level permissions exist for these two actions
            assert set(actions) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
            assert statement["Resource"] == "*"
    assert dynamo == expected
    assert "dynamodb:*" not in json.dumps(statements)


def test_no_managed_policies_on_roles(template):
    for role in resources(template, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in role["Properties"]


PUBLIC_KEYS = {route.route_key for route in PUBLIC_ROUTES}


def test_every_route_exists_with_iam_authorization_by_default(template):
    routes = resources(template, "AWS::ApiGatewayV2::Route")
    keys = {route["Properties"]["RouteKey"] for route in routes.values()}
    assert keys == {route.route_key for route in API_ROUTES} | {"$default"}
    for route in routes.values():
        public = route["Properties"]["RouteKey"] in PUBLIC_KEYS
        assert route["Properties"]["AuthorizationType"] == ("NONE" if public else "AWS_IAM")
    assert {"GET /console", "GET /console/{file}"} == PUBLIC_KEYS  # the console's files only


def test_jwt_mode_puts_a_jwt_authorizer_on_every_route(jwt_template):
    [authorizer] = resources(jwt_template, "AWS::ApiGatewayV2::Authorizer").values()
    assert authorizer["Properties"]["AuthorizerType"] == "JWT"
    assert authorizer["Properties"]["JwtConfiguration"] == {
        "Audience": ["wallet"],
        "Issuer": "https://issuer.example.com",
    }
    for route in resources(jwt_template, "AWS::ApiGatewayV2::Route").values():
        public = route["Properties"]["RouteKey"] in PUBLIC_KEYS
        assert route["Properties"]["AuthorizationType"] == ("NONE" if public else "JWT")
    for fn in resources(jwt_template, "AWS::Lambda::Function").values():
        assert fn["Properties"]["Environment"]["Variables"]["WALLET_AUTH_MODE"] == "jwt"


def test_the_console_signs_in_with_the_jwt_issuer_and_says_so_in_iam_mode(template, jwt_template):
    def console_environment(synthesized):
        functions = resources(synthesized, "AWS::Lambda::Function").values()
        return [fn["Properties"]["Environment"]["Variables"] for fn in functions if "WALLET_CONSOLE_SIGN_IN" in str(fn)]

    jwt = console_environment(jwt_template)
    assert len(jwt) == 2 and all(env["WALLET_CONSOLE_SIGN_IN"] == "jwt" for env in jwt)
    assert {(env["WALLET_JWT_ISSUER"], env["WALLET_CONSOLE_CLIENT_ID"]) for env in jwt} == {
        ("https://issuer.example.com", "wallet")
    }
    assert [env["WALLET_CONSOLE_SIGN_IN"] for env in console_environment(template)] == ["iam", "iam"]


def test_stage_throttles_and_writes_access_logs(template):
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AutoDeploy": True,
            "DefaultRouteSettings": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
            "AccessLogSettings": {
                "DestinationArn": {"Fn::GetAtt": [Match.string_like_regexp("^ApiAccessLogs"), "Arn"]},
                "Format": Match.string_like_regexp(r"\$context\.requestId"),
            },
        },
    )


def test_throttling_comes_from_context():
    _, _, template = synth({"wallet:throttleRateLimit": 5, "wallet:throttleBurstLimit": 10, "wallet:stageName": "prod"})
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {"StageName": "prod", "DefaultRouteSettings": {"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10}},
    )


def test_outputs_name_the_api_url_and_tables(template):
    outputs = template.find_outputs("*")
    assert set(outputs) >= {"ApiUrl", "WalletTableName", "IdempotencyTableName"}


@pytest.mark.parametrize(
    "context",
    [
        {"wallet:authMode": "basic"},
        {"wallet:authMode": "jwt"},
        {"wallet:removalPolicy": "snapshot"},
        {"wallet:logRetentionDays": 42},
        {"wallet:throttleRateLimit": 0},
        {"wallet:assets": [{"code": "usd", "scale": 2, "openingBalance": "1"}]},
        {
            "wallet:assets": [
                {"code": "GOLD", "scale": 0, "openingBalance": "1.5"},
                {"code": "USD", "scale": 2, "openingBalance": "0"},
            ]
        },
        {"wallet:assets": [{"code": "EUR", "scale": 2, "openingBalance": "0"}]},
        {"wallet:assets": [{"code": "USD", "scale": 7, "openingBalance": "0"}]},
        {"wallet:assets": "not json"},
        {"wallet:systemAccounts": ["treasury"]},
        {"wallet:systemAccounts": ["treasury", "revenue", "Bad Name"]},
        {"wallet:userRateLimit": "0"},
        {"wallet:userRateLimit": "ten"},
        {"wallet:userRateLimit": "10", "wallet:userRateBurst": "0"},
        {"wallet:userRateBurst": "5"},
    ],
)
def test_invalid_context_is_refused_at_synth(context):
    with pytest.raises(ValueError):
        synth(context)


def test_defaults_match_cdk_json():
    context = json.loads((LAMBDAS_DIR.parent / "cdk.json").read_text())["context"]
    defaults = WalletConfig()
    assert context["wallet:stageName"] == defaults.stage_name
    assert context["wallet:throttleRateLimit"] == defaults.throttle_rate_limit
    assert context["wallet:throttleBurstLimit"] == defaults.throttle_burst_limit
    assert context["wallet:authMode"] == defaults.auth_mode
    assert context["wallet:removalPolicy"] == defaults.removal_policy
    assert context["wallet:logRetentionDays"] == defaults.log_retention_days
    assert context["wallet:adminScope"] == defaults.admin_scope
    assert context["wallet:assets"] == json.loads(defaults.assets_json)
    assert tuple(context["wallet:systemAccounts"]) == defaults.system_accounts
    assert context["wallet:userRateLimit"] == defaults.user_rate_limit == ""
    assert context["wallet:userRateBurst"] == defaults.user_rate_burst == ""


def test_a_bad_rate_limit_is_refused_at_synth_naming_the_setting():
    with pytest.raises(ValueError, match="wallet:userRateBurst"):
        synth({"wallet:userRateLimit": "10", "wallet:userRateBurst": "-1"})
    with pytest.raises(ValueError, match="wallet:userRateLimit"):
        synth({"wallet:userRateLimit": "1e3"})


def test_the_rate_limit_reaches_every_function_only_when_set(template):
    functions = template.find_resources("AWS::Lambda::Function")
    assert not any(
        "WALLET_USER_RATE_LIMIT" in fn["Properties"]["Environment"]["Variables"] for fn in functions.values()
    )
    _, _, limited = synth({"wallet:userRateLimit": "2.5", "wallet:userRateBurst": "5"})
    for fn in limited.find_resources("AWS::Lambda::Function").values():
        variables = fn["Properties"]["Environment"]["Variables"]
        assert (variables["WALLET_USER_RATE_LIMIT"], variables["WALLET_USER_RATE_BURST"]) == ("2.5", "5")


def test_cdk_nag_finds_no_unacknowledged_errors(tmp_path):
    app, _ = build_app(context=SKIP_BUNDLING, outdir=str(tmp_path))

    app.synth()  # the AwsSolutions checks raise ValidationFailed on any unacknowledged error

    report = (
        json.loads((tmp_path / "validation-report.json").read_text())
        if (tmp_path / "validation-report.json").exists()
        else {}
    )
    assert all(plugin["conclusion"] == "success" for plugin in report.get("pluginReports", []))


def test_cdk_nag_fails_synth_on_a_violation(tmp_path):
    # Control: the checks are live. A function on an old runtime with a managed-policy role must fail.
    app, stack = build_app(context=SKIP_BUNDLING, outdir=str(tmp_path))
    lambda_.Function(
        stack, "Old", runtime=lambda_.Runtime.PYTHON_3_12, handler="x.handler", code=lambda_.Code.from_inline("x=1")
    )

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = (tmp_path / "validation-report.json").read_text()
    assert "AwsSolutions-L1" in report and "WalletStack/Old" in report


def test_wallet_table_indexes_ledger_entries_by_time(template):
    tables = resources(template, "AWS::DynamoDB::GlobalTable")
    [wallet_table] = [table for name, table in tables.items() if name.startswith("WalletTable")]
    by_time, by_movement, pending_holds = wallet_table["Properties"]["GlobalSecondaryIndexes"]
    assert by_time["IndexName"] == "ByTime"
    assert [key["AttributeName"] for key in by_time["KeySchema"]] == ["timeKey", "timeSort"]
    assert by_time["Projection"] == {"ProjectionType": "ALL"}
    assert by_movement["IndexName"] == "ByMovement"
    assert [key["AttributeName"] for key in by_movement["KeySchema"]] == ["movementId"]
    assert by_movement["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert pending_holds["IndexName"] == "PendingHolds"
    assert [key["AttributeName"] for key in pending_holds["KeySchema"]] == ["pendingShard", "pendingDue"]
    assert pending_holds["Projection"] == {"ProjectionType": "ALL"}
