"""DynamoDB and DynamoDB Streams requests -> IAM checks (real boto3 requests, routed)."""

from __future__ import annotations

from typing import Any

from tests.unit.local.iam.calls import ACCOUNT, arn, call_of, needs_of

from stratus.local.iam.actions import Need, needs

TODOS = arn("dynamodb", "table/Todos")
ORDERS = arn("dynamodb", "table/Orders")


class _Schema:
    """Lookups that know the tables' partition keys (and no secrets)."""

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        return None

    def dynamodb_hash_key(self, region: str, table: str) -> str | None:
        return {"Todos": "userId", "Orders": "orderId"}.get(table)


def _key(user: str, todo: str) -> dict[str, Any]:
    return {"userId": {"S": user}, "todoId": {"S": todo}}


def test_get_item_on_the_table_with_leading_key_and_attributes() -> None:
    found = needs_of(
        "dynamodb",
        "get_item",
        lookups=_Schema(),
        TableName="Todos",
        Key=_key("u1", "t1"),
        ProjectionExpression="title, #d.due",
        ExpressionAttributeNames={"#d": "details"},
    )
    assert found == [
        Need(
            "dynamodb:GetItem",
            TODOS,
            {
                "dynamodb:LeadingKeys": ["u1"],
                "dynamodb:Attributes": ["userId", "todoId", "title", "details"],
                "dynamodb:Select": "SPECIFIC_ATTRIBUTES",
            },
        )
    ]


def test_without_the_schema_every_key_value_is_a_leading_key_candidate() -> None:
    # Stricter, never looser: ForAllValues:StringEquals [u1] fails on [u1, t1].
    found = needs_of("dynamodb", "delete_item", TableName="Todos", Key=_key("u1", "t1"))
    assert found[0].context["dynamodb:LeadingKeys"] == ["u1", "t1"]


def test_single_attribute_key_is_the_partition_key() -> None:
    found = needs_of("dynamodb", "get_item", TableName="Orders", Key={"orderId": {"S": "o-1"}})
    assert found == [
        Need(
            "dynamodb:GetItem",
            ORDERS,
            {"dynamodb:LeadingKeys": ["o-1"], "dynamodb:Attributes": ["orderId"]},
        )
    ]


def test_put_update_carry_return_values_and_updated_attributes() -> None:
    put = needs_of(
        "dynamodb",
        "put_item",
        lookups=_Schema(),
        TableName="Todos",
        Item={**_key("u1", "t1"), "title": {"S": "x"}},
        ReturnValues="ALL_OLD",
    )
    assert put == [
        Need(
            "dynamodb:PutItem",
            TODOS,
            {
                "dynamodb:LeadingKeys": ["u1"],
                "dynamodb:Attributes": ["userId", "todoId", "title"],
                "dynamodb:ReturnValues": "ALL_OLD",
            },
        )
    ]
    update = needs_of(
        "dynamodb",
        "update_item",
        lookups=_Schema(),
        TableName="Todos",
        Key=_key("u1", "t1"),
        UpdateExpression="SET #t = :t, done = :d REMOVE tags[0]",
        ExpressionAttributeNames={"#t": "title"},
        ExpressionAttributeValues={":t": {"S": "y"}, ":d": {"BOOL": True}},
        ReturnValues="UPDATED_NEW",
    )
    assert update[0].action == "dynamodb:UpdateItem"
    assert update[0].context["dynamodb:Attributes"] == [
        "userId",
        "todoId",
        "title",
        "done",
        "tags",
    ]
    assert update[0].context["dynamodb:ReturnValues"] == "UPDATED_NEW"


def test_query_on_an_index_acts_on_the_index() -> None:
    found = needs_of(
        "dynamodb",
        "query",
        lookups=_Schema(),
        TableName="Todos",
        IndexName="byDue",
        KeyConditionExpression="userId = :u AND due > :d",
        ExpressionAttributeValues={":u": {"S": "u9"}, ":d": {"S": "2026"}},
        Select="ALL_PROJECTED_ATTRIBUTES",
    )
    assert found == [
        Need(
            "dynamodb:Query",
            f"{TODOS}/index/byDue",
            {"dynamodb:LeadingKeys": ["u9"], "dynamodb:Select": "ALL_PROJECTED_ATTRIBUTES"},
        )
    ]


def test_scan_without_index_acts_on_the_table_without_leading_keys() -> None:
    assert needs_of("dynamodb", "scan", TableName="Todos") == [Need("dynamodb:Scan", TODOS)]
    index = needs_of("dynamodb", "scan", TableName="Todos", IndexName="byDue")
    assert index == [Need("dynamodb:Scan", f"{TODOS}/index/byDue")]


def test_table_named_by_arn_is_kept() -> None:
    other = "arn:aws:dynamodb:eu-west-1:210987654321:table/Shared"
    found = needs_of("dynamodb", "describe_table", TableName=other)
    assert found == [Need("dynamodb:DescribeTable", other)]


def test_batch_calls_are_checked_once_per_table() -> None:
    found = needs_of(
        "dynamodb",
        "batch_write_item",
        lookups=_Schema(),
        RequestItems={
            "Todos": [
                {"PutRequest": {"Item": _key("u1", "t1")}},
                {"DeleteRequest": {"Key": _key("u1", "t2")}},
            ],
            "Orders": [{"PutRequest": {"Item": {"orderId": {"S": "o-1"}}}}],
        },
    )
    assert found == [
        Need(
            "dynamodb:BatchWriteItem",
            TODOS,
            {"dynamodb:LeadingKeys": ["u1"], "dynamodb:Attributes": ["userId", "todoId"]},
        ),
        Need(
            "dynamodb:BatchWriteItem",
            ORDERS,
            {"dynamodb:LeadingKeys": ["o-1"], "dynamodb:Attributes": ["orderId"]},
        ),
    ]
    get = needs_of(
        "dynamodb",
        "batch_get_item",
        RequestItems={"Orders": {"Keys": [{"orderId": {"S": "o-1"}}, {"orderId": {"S": "o-2"}}]}},
    )
    assert get == [
        Need(
            "dynamodb:BatchGetItem",
            ORDERS,
            {"dynamodb:LeadingKeys": ["o-1", "o-2"], "dynamodb:Attributes": ["orderId"]},
        )
    ]


def test_transact_write_needs_each_entry_item_action() -> None:
    found = needs_of(
        "dynamodb",
        "transact_write_items",
        TransactItems=[
            {"Put": {"TableName": "Orders", "Item": {"orderId": {"S": "o-1"}}}},
            {
                "Update": {
                    "TableName": "Todos",
                    "Key": {"userId": {"S": "u1"}},
                    "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": "Todos", "Key": {"userId": {"S": "u2"}}}},
            {
                "ConditionCheck": {
                    "TableName": "Orders",
                    "Key": {"orderId": {"S": "o-2"}},
                    "ConditionExpression": "attribute_exists(orderId)",
                }
            },
        ],
    )
    assert [(n.action, n.resource) for n in found] == [
        ("dynamodb:PutItem", ORDERS),
        ("dynamodb:UpdateItem", TODOS),
        ("dynamodb:DeleteItem", TODOS),
        ("dynamodb:ConditionCheckItem", ORDERS),
    ]
    assert found[1].context["dynamodb:LeadingKeys"] == ["u1"]


def test_transact_get_needs_get_item_per_table() -> None:
    found = needs_of(
        "dynamodb",
        "transact_get_items",
        TransactItems=[
            {"Get": {"TableName": "Orders", "Key": {"orderId": {"S": "o-1"}}}},
            {"Get": {"TableName": "Todos", "Key": {"userId": {"S": "u1"}}}},
        ],
    )
    assert [(n.action, n.resource) for n in found] == [
        ("dynamodb:GetItem", ORDERS),
        ("dynamodb:GetItem", TODOS),
    ]


def test_partiql_statement_names_its_table_and_verb() -> None:
    cases = {
        'SELECT * FROM "Todos"."byDue" WHERE userId = ?': (
            "dynamodb:PartiQLSelect",
            f"{TODOS}/index/byDue",
        ),
        "select * from Orders where orderId = 'from x'": ("dynamodb:PartiQLSelect", ORDERS),
        "INSERT INTO \"Orders\" VALUE {'orderId': 'o-3'}": ("dynamodb:PartiQLInsert", ORDERS),
        'UPDATE "Todos" SET done = true WHERE userId = ?': ("dynamodb:PartiQLUpdate", TODOS),
        'DELETE FROM "Todos" WHERE userId = ?': ("dynamodb:PartiQLDelete", TODOS),
    }
    for statement, (action, resource) in cases.items():
        found = needs_of("dynamodb", "execute_statement", Statement=statement)
        assert found == [Need(action, resource)], statement
    batch = needs_of(
        "dynamodb",
        "batch_execute_statement",
        Statements=[
            {"Statement": 'SELECT * FROM "Orders"'},
            {"Statement": 'DELETE FROM "Todos" WHERE userId = ?'},
        ],
    )
    assert batch == [
        Need("dynamodb:PartiQLSelect", ORDERS),
        Need("dynamodb:PartiQLDelete", TODOS),
    ]
    transaction = needs_of(
        "dynamodb",
        "execute_transaction",
        TransactStatements=[{"Statement": "INSERT INTO Orders VALUE {'orderId': 'o'}"}],
    )
    assert transaction == [Need("dynamodb:PartiQLInsert", ORDERS)]


def test_table_level_calls_ttl_tags_backups() -> None:
    assert needs_of("dynamodb", "list_tables") == [Need("dynamodb:ListTables", "*")]
    assert needs_of("dynamodb", "describe_table", TableName="Todos") == [
        Need("dynamodb:DescribeTable", TODOS)
    ]
    assert needs_of(
        "dynamodb",
        "update_time_to_live",
        TableName="Todos",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
    ) == [Need("dynamodb:UpdateTimeToLive", TODOS)]
    assert needs_of("dynamodb", "describe_time_to_live", TableName="Todos") == [
        Need("dynamodb:DescribeTimeToLive", TODOS)
    ]
    assert needs_of(
        "dynamodb", "tag_resource", ResourceArn=TODOS, Tags=[{"Key": "k", "Value": "v"}]
    ) == [Need("dynamodb:TagResource", TODOS)]
    assert needs_of("dynamodb", "list_tags_of_resource", ResourceArn=TODOS) == [
        Need("dynamodb:ListTagsOfResource", TODOS)
    ]
    assert needs_of("dynamodb", "create_backup", TableName="Todos", BackupName="nightly") == [
        Need("dynamodb:CreateBackup", TODOS)
    ]
    backup = f"{TODOS}/backup/01700000000000-abcdef12"
    assert needs_of("dynamodb", "describe_backup", BackupArn=backup) == [
        Need("dynamodb:DescribeBackup", backup)
    ]
    assert needs_of(
        "dynamodb", "restore_table_from_backup", TargetTableName="Todos2", BackupArn=backup
    ) == [
        Need("dynamodb:RestoreTableFromBackup", backup),
        Need("dynamodb:RestoreTableFromBackup", arn("dynamodb", "table/Todos2")),
    ]
    assert needs_of("dynamodb", "list_backups") == [Need("dynamodb:ListBackups", "*")]


def test_streams_act_on_the_stream_even_for_get_records() -> None:
    stream = f"{TODOS}/stream/2026-01-01T00:00:00.000"
    assert needs_of("dynamodbstreams", "describe_stream", StreamArn=stream) == [
        Need("dynamodb:DescribeStream", stream)
    ]
    assert needs_of(
        "dynamodbstreams",
        "get_shard_iterator",
        StreamArn=stream,
        ShardId="shardId-00000001700000000000-abcdef01",
        ShardIteratorType="TRIM_HORIZON",
    ) == [Need("dynamodb:GetShardIterator", stream)]
    # A DynamoDB Streams iterator begins with its stream's ARN (AWS's and moto's alike).
    iterator = f"{stream}|1|AAAAAAAAAAEXAMPLE"
    assert needs_of("dynamodbstreams", "get_records", ShardIterator=iterator) == [
        Need("dynamodb:GetRecords", stream)
    ]
    assert needs_of("dynamodbstreams", "list_streams") == [Need("dynamodb:ListStreams", "*")]


def test_a_transaction_with_no_recognisable_entry_is_still_checked() -> None:
    # DynamoDB refuses it (ValidationException); it must not pass as "nothing to check".
    call = call_of("dynamodb", "transact_write_items", TransactItems=[{}])
    assert needs(call, account=ACCOUNT) == [Need("dynamodb:TransactWriteItems", "*")]


def test_query_on_an_index_asks_for_the_index_partition_key() -> None:
    class _IndexSchema(_Schema):
        def dynamodb_hash_key(self, region: str, table: str) -> str | None:
            return {"Todos": "userId", "Todos/index/byList": "listId"}.get(table)

    found = needs_of(
        "dynamodb",
        "query",
        lookups=_IndexSchema(),
        TableName="Todos",
        IndexName="byList",
        KeyConditionExpression="listId = :l AND userId = :u",
        ExpressionAttributeValues={":l": {"S": "l-1"}, ":u": {"S": "u1"}},
    )
    assert found[0].context["dynamodb:LeadingKeys"] == ["l-1"]
