"""The intrinsic resolver: every function CDK emits, and clear errors for the rest."""

from __future__ import annotations

from typing import Any

import pytest

from stratus.local.provision.intrinsics import (
    IntrinsicError,
    ResolveContext,
    Resolver,
    parameter_values,
    references,
)

RESOURCES = {
    "Table": ("todo-table", {"Arn": "arn:aws:dynamodb:us-east-1:000000000000:table/todo-table"})
}


def _resolver(**kw: Any) -> Resolver:
    def ref(logical: str) -> Any:
        return RESOURCES[logical][0]

    def get_att(logical: str, attr: str) -> Any:
        return RESOURCES[logical][1][attr]

    ctx = ResolveContext(
        stack_name="App",
        region="us-east-1",
        account_id="000000000000",
        ref=ref,
        get_att=get_att,
        **kw,
    )
    return Resolver(ctx)


def r(value: Any, **kw: Any) -> Any:
    return _resolver(**kw).resolve(value, "X")


def test_ref_resource_parameter_and_pseudo_parameters() -> None:
    assert r({"Ref": "Table"}) == "todo-table"
    assert r({"Ref": "Stage"}, parameters={"Stage": "local"}) == "local"
    assert r({"Ref": "AWS::Region"}) == "us-east-1"
    assert r({"Ref": "AWS::AccountId"}) == "000000000000"
    assert r({"Ref": "AWS::Partition"}) == "aws"
    assert r({"Ref": "AWS::StackName"}) == "App"
    assert r({"Ref": "AWS::URLSuffix"}) == "amazonaws.com"
    assert r({"Ref": "AWS::StackId"}).startswith(
        "arn:aws:cloudformation:us-east-1:000000000000:stack/App/"
    )


def test_no_value_removes_key_and_list_item() -> None:
    value = {"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}, 2]}
    assert r(value) == {"B": [1, 2]}


def test_get_att_list_and_dotted_forms() -> None:
    arn = RESOURCES["Table"][1]["Arn"]
    assert r({"Fn::GetAtt": ["Table", "Arn"]}) == arn
    assert r({"Fn::GetAtt": "Table.Arn"}) == arn


def test_join_select_split() -> None:
    assert r({"Fn::Join": ["-", ["a", {"Ref": "Table"}, 3]]}) == "a-todo-table-3"
    assert r({"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}) == "y"


def test_sub_string_form_with_refs_attributes_pseudo_and_literal() -> None:
    value = {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Table}/${Table.Arn}/${!Literal}"}
    assert r(value) == f"arn:aws:s3:::todo-table/{RESOURCES['Table'][1]['Arn']}/${{Literal}}"


def test_sub_list_form_uses_local_variables_first() -> None:
    value = {"Fn::Sub": ["${Table}-${Extra}", {"Table": "override", "Extra": {"Ref": "Table"}}]}
    assert r(value) == "override-todo-table"


def test_if_with_equals_and_or_not_condition() -> None:
    conditions = {
        "IsLocal": {"Fn::Equals": [{"Ref": "Stage"}, "local"]},
        "IsProd": {"Fn::Not": [{"Condition": "IsLocal"}]},
        "Both": {"Fn::And": [{"Condition": "IsLocal"}, {"Fn::Equals": ["a", "a"]}]},
        "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "b"]}]},
    }
    kw = {"parameters": {"Stage": "local"}, "conditions": conditions}
    assert r({"Fn::If": ["IsLocal", "yes", "no"]}, **kw) == "yes"
    assert r({"Fn::If": ["IsProd", "yes", {"Ref": "AWS::NoValue"}]}, **kw) is None
    assert r({"K": {"Fn::If": ["IsProd", "yes", {"Ref": "AWS::NoValue"}]}}, **kw) == {}
    assert r({"Fn::If": ["Both", 1, 2]}, **kw) == 1
    assert r({"Fn::If": ["Either", 1, 2]}, **kw) == 2


def test_iam_condition_block_is_not_mistaken_for_an_intrinsic() -> None:
    block = {"Condition": {"StringLike": {"s3:prefix": ["a/*"]}}}
    assert r(block) == block


def test_import_value_from_earlier_stack_exports() -> None:
    assert r({"Fn::ImportValue": "Shared:TableName"}, exports={"Shared:TableName": "t"}) == "t"
    with pytest.raises(IntrinsicError, match=r"App/X.*Fn::ImportValue.*'Missing'"):
        r({"Fn::ImportValue": "Missing"})


def test_find_in_map_base64_get_azs_cidr_to_json_length() -> None:
    mappings = {"M": {"us-east-1": {"Size": "10"}}}
    assert r({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Size"]}, mappings=mappings) == "10"
    assert (
        r({"Fn::FindInMap": ["M", "eu", "Size", {"DefaultValue": "1"}]}, mappings=mappings) == "1"
    )
    assert r({"Fn::Base64": "hi"}) == "aGk="
    assert r({"Fn::GetAZs": ""}) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert r({"Fn::Cidr": ["10.0.0.0/16", 2, 8]}) == ["10.0.0.0/24", "10.0.1.0/24"]
    assert r({"Fn::ToJsonString": {"a": {"Ref": "Table"}}}) == '{"a":"todo-table"}'
    assert r({"Fn::Length": [1, 2, 3]}) == 3


def test_errors_name_stack_path_and_target() -> None:
    with pytest.raises(IntrinsicError, match=r"^App/X\.Fn::GetAtt: GetAtt Nope\.Arn"):
        r({"Fn::GetAtt": ["Nope", "Arn"]})
    with pytest.raises(IntrinsicError, match=r"App/X\.Props\.Ref: Ref to unknown .*'Ghost'"):
        r({"Props": {"Ref": "Ghost"}})
    with pytest.raises(IntrinsicError, match="unsupported intrinsic Fn::Transform"):
        r({"Fn::Transform": {}})
    with pytest.raises(IntrinsicError, match="unknown condition 'Nope'"):
        r({"Fn::If": ["Nope", 1, 2]})
    with pytest.raises(IntrinsicError, match="out of range"):
        r({"Fn::Select": [5, ["a"]]})


def test_parameter_values_defaults_overrides_and_cdk_bootstrap_version() -> None:
    template = {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            },
            "Stage": {"Type": "String", "Default": "dev"},
            "Names": {"Type": "CommaDelimitedList", "Default": "a, b"},
            "NoDefault": {"Type": "String"},
        }
    }
    values = parameter_values(template, {"Stage": "local"})
    assert values == {"BootstrapVersion": "30", "Stage": "local", "Names": ["a", "b"]}


def test_references_finds_ref_getatt_and_sub_targets() -> None:
    value = {
        "A": {"Ref": "Bucket"},
        "B": {"Fn::GetAtt": "Role.Arn"},
        "C": {"Fn::Sub": ["${Fn}-${Local}-${AWS::Region}-${!Lit}", {"Local": {"Ref": "Q"}}]},
        "D": {"Ref": "AWS::Region"},
    }
    assert references(value) == {"Bucket", "Role", "Fn", "Q"}
