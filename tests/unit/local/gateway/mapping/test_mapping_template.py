"""Mapping templates: the engine's Velocity constructs, $input/$util/$context/$stageVariables
with the AWS reference's examples, overrides, and the failures that make a 500."""

from __future__ import annotations

import json

import pytest

from stratus.local.gateway.mapping.template import (
    MappingTemplateError,
    TemplateInputs,
    escape_javascript,
    render,
    render_mapping,
)

PETS = {
    "pets": [
        {"id": 1, "type": "dog", "price": 249.99},
        {"id": 2, "type": "cat", "price": 124.99},
        {"id": 3, "type": "fish", "price": 0.99},
    ]
}


def r(template: str, **inputs: object) -> str:
    return render(template, TemplateInputs(**inputs))  # type: ignore[arg-type]


# --- Velocity constructs ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('#set($a = "x")$a', "x"),
        ("[#foreach($i in [1, 2, 3])$i#if($foreach.hasNext),#end#end]", "[1,2,3]"),
        ('#foreach($i in ["a", "b"])$velocityCount#end', "12"),
        ('#foreach($i in ["a", "b"])$foreach.index$foreach.count#end', "0112"),
        ("#foreach($n in [1, 2, 3])#if($n == 1)a#elseif($n == 2)b#{else}c#end#end", "abc"),
        ("#foreach($i in [1..5])$i#if($i == 3)#break#end#end", "123"),
        ("a#stop b", "a"),
        ("[$!{missing}][$!missing]", "[][]"),
        ('#set($m = {"a": 1, "b": "x"})$m.b $m.size() $m', "x 2 {a=1, b=x}"),
        ('#set($l = [1, "x"])$l.get(1) $l.size() $l', "x 2 [1, x]"),
        ("#set($x = 1 + 2 * 3)$x", "7"),
        ("#if(true && !false || false)y#end", "y"),
        ('#set($n = "w")#set($s = "hi $n")$s', "hi w"),
        ("#set($n = 'w')#set($s = 'hi $n')$s", "hi $n"),
        ("a## comment\nb#* block *#c", "abc"),
        ('#macro(tag $v)<$v>#end#tag("x")', "<x>"),
        ("#if(true)yes#end", "yes"),
    ],
)
def test_velocity_construct_renders_as_velocity(template: str, expected: str) -> None:
    assert r(template, context={}) == expected


def test_boolean_variables_evaluate_in_conditions() -> None:
    assert r("#if($a && !$b)y#end", context={}) == ""  # unknown references are false


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$s.length() $s.substring(1) $s.substring(0, 2)", "4 bcd ab"),
        ('$s.replaceAll("b+", "X")', "aXcd"),
        ('$s.replaceAll("(b)", "[$1]")', "a[b]cd"),
        ("$s.toString() $s.toUpperCase() $s.trim()", "abcd ABCD abcd"),
        ('$s.indexOf("c") $s.indexOf("z") $s.lastIndexOf("d")', "2 -1 3"),
        ('#if($s.equals("abcd") && $s.startsWith("ab") && $s.endsWith("cd"))y#end', "y"),
        ('#if($s.contains("bc") && $s.matches("a.*d") && !$s.matches("b"))y#end', "y"),
        ("#if($s.isEmpty())e#{else}n#end $s.charAt(1)", "n b"),
    ],
)
def test_java_string_methods(template: str, expected: str) -> None:
    assert r(template.replace("$s", '$input.params("s")'), querystring={"s": "abcd"}) == expected


def test_java_map_methods_on_params() -> None:
    template = (
        "#set($q = $input.params().querystring)"
        '$q.size() $q.containsKey("a") $q.keySet() '
        "#foreach($e in $q.entrySet())$e.key=$e.value;#end"
    )
    assert r(template, querystring={"a": "1", "b": "2"}) == "2 true [a, b] a=1;b=2;"


def test_numbers_print_as_java_does() -> None:
    body = json.dumps({"i": 3, "f": 1.5, "whole": 2.0, "t": True, "n": None})
    template = (
        "$input.path('$.i') $input.path('$.f') $input.path('$.whole') "
        "$input.path('$.t') [$input.path('$.n')]"
    )
    assert r(template, body=body) == "3 1.5 2.0 true []"


# --- unknown variables and malformed templates ---------------------------------------------


def test_unknown_variables_render_as_nothing() -> None:
    assert r("[$nothing][$context.nope.deeper][${missing}][$input.nope]") == "[][][][]"


def test_null_path_result_equals_empty_string_as_aws_records() -> None:
    # AWS (LocalStack's recorded test_input_path_template_formatting, "empty-body"):
    # {"body": , "nested": , "isNull": "true", "isEmptyString": "true"}
    template = (
        '#set($result = $input.path("$.nonExisting")){"body": $result, "nested": $result.nested, '
        '"isNull": #if( $result == $null )"true"#else"false"#end, '
        '"isEmptyString": #if( $result == "" )"true"#else"false"#end}'
    )
    assert r(template, body="") == (
        '{"body": , "nested": , "isNull": "true", "isEmptyString": "true"}'
    )


def test_unknown_reference_is_false_in_if() -> None:
    assert r("#if($missing)y#{else}n#end") == "n"


@pytest.mark.parametrize(
    "template",
    [
        "#if($a) never closed",
        "#foreach($x in [1, 2])x",
        "#set($a = )",
        "$input.path(",
        "${unclosed",
        "#end",
        "#else",
        '$input.json("$.a"',
    ],
)
def test_malformed_template_raises_mapping_template_error(template: str) -> None:
    with pytest.raises(MappingTemplateError, match="malformed mapping template"):
        r(template)


@pytest.mark.parametrize(
    "template",
    [
        "$input.path('$[?(@.a)]')",  # JSONPath filters are not supported
        "$input.json('$..[')",  # malformed JSONPath
        "$util.parseJson('not json')",
        "$util.base64Decode('%%%')",
        '$input.params("s").substring(99, 1)',
    ],
)
def test_template_failing_at_render_raises_mapping_template_error(template: str) -> None:
    with pytest.raises(MappingTemplateError, match="mapping template failed"):
        r(template, body="{}", querystring={"s": "abc"})


def test_runaway_macro_recursion_is_a_template_error() -> None:
    with pytest.raises(MappingTemplateError):
        r("#macro(loop)#loop()#end#loop()")


# --- $input -----------------------------------------------------------------------------------


def test_reference_example_request_and_response_using_input() -> None:
    # "Example Request and Response Using $input" (mapping template reference)
    template = """{
    "id" : "$input.params('id')",
    "count" : "$input.path('$.things').size()",
    "things" : $input.json('$.things')
}"""
    body = json.dumps({"things": {"1": {}, "2": {}, "3": {}}})
    out = r(template, body=body, path={"id": "abc"})
    assert json.loads(out) == {"id": "abc", "count": "3", "things": {"1": {}, "2": {}, "3": {}}}


def test_reference_example_passes_all_params() -> None:
    # "Parameter Mapping Template Example" (mapping template reference)
    template = """#set($allParams = $input.params())
{
  "params" : {
    #foreach($type in $allParams.keySet())
    #set($params = $allParams.get($type))
    "$type" : {
      #foreach($paramName in $params.keySet())
      "$paramName" : "$util.escapeJavaScript($params.get($paramName))"
      #if($foreach.hasNext),#end
      #end
    }
    #if($foreach.hasNext),#end
    #end
  }
}"""
    out = r(
        template,
        path={"petId": "7"},
        querystring={"q": "it's"},
        header={"Accept": "application/json"},
    )
    # escapeJavaScript makes \' and \/ that JSON does not allow; AWS tells users to undo \'.
    parsed = json.loads(out.replace("\\'", "'"))
    assert parsed == {
        "params": {
            "path": {"petId": "7"},
            "querystring": {"q": "it's"},
            "header": {"Accept": "application/json"},
        }
    }


def test_input_params_searches_path_then_querystring_then_header() -> None:
    inputs = {
        "path": {"x": "from-path"},
        "querystring": {"x": "from-query", "y": "from-query"},
        "header": {"X": "h", "Y": "h", "Z-Token": "from-header"},
    }
    assert r("$input.params('x') $input.params('y')", **inputs) == "from-path from-query"
    assert r("$input.params('z-token') [$input.params('nope')]", **inputs) == "from-header []"


def test_input_params_sections_are_maps() -> None:
    out = r(
        "$input.params().path.id $input.params().querystring $input.params().header.size()",
        path={"id": "1"},
        querystring={"a": "b"},
        header={"h": "v"},
    )
    assert out == "1 {a=b} 1"


def test_input_body_is_raw_and_empty_body_is_empty_object() -> None:
    assert r("$input.body", body='{"a": 1}') == '{"a": 1}'
    assert r("$input.body", body="not json") == "not json"
    assert r("$input.body", body="") == "{}"


def test_input_path_prints_maps_as_java_and_lists_as_json() -> None:
    # AWS (LocalStack's recorded test_input_path_template_formatting)
    assert r('$input.path("$")', body='{"foo": "bar"}') == "{foo=bar}"
    assert r('$input.path("$")', body='[{"foo": "bar"}]') == '[{"foo":"bar"}]'
    assert r('$input.path("$")[0]', body='[{"foo": "bar"}]') == "{foo=bar}"
    assert r('$input.path("$")', body='{"foo": [{"nested": "bar"}]}') == (
        '{foo=[{"nested":"bar"}]}'
    )
    assert r('$input.path("$").toString()', body='{"list": [{"foo": "bar"}]}') == (
        '{list=[{"foo":"bar"}]}'
    )


def test_input_path_walks_the_reference_pets_example() -> None:
    body = json.dumps(PETS)
    assert r("$input.path('$.pets').size()", body=body) == "3"
    assert r("$input.path('$.pets').count()", body=body) == "3"
    assert r("$input.path('$.pets')[1].type", body=body) == "cat"
    template = "#foreach($p in $input.path('$.pets'))$p.id#if($foreach.hasNext),#end#end"
    assert r(template, body=body) == "1,2,3"


def test_input_json_returns_json_strings() -> None:
    body = json.dumps(PETS)
    assert json.loads(r("$input.json('$.pets[0]')", body=body)) == PETS["pets"][0]
    assert r("$input.json('$.pets[0].type')", body=body) == '"dog"'
    assert r("$input.json('$.pets[*].id')", body=body) == "[1,2,3]"
    assert json.loads(r("$input.json('$')", body=body)) == PETS


def test_input_json_of_a_missing_path_or_non_json_body_is_an_empty_json_string() -> None:
    assert r("$input.json('$.missing')", body="{}") == '""'
    assert r("$input.json('$.a')", body="not json") == '""'


# --- $util ------------------------------------------------------------------------------------


def test_escape_javascript_follows_java_string_escape_utils() -> None:
    assert escape_javascript('it\'s "q" / \\') == 'it\\\'s \\"q\\" \\/ \\\\'
    assert escape_javascript("a\nb\tc\r\x01") == "a\\nb\\tc\\r\\u0001"
    assert escape_javascript("é😀") == "\\u00E9\\uD83D\\uDE00"
    assert escape_javascript(None) == ""


def test_reference_idiom_undoes_escaped_single_quotes() -> None:
    # $util.escapeJavaScript(data).replaceAll("\\'","'") (mapping template reference)
    out = r(
        """$util.escapeJavaScript($input.params('q')).replaceAll("\\\\'","'")""",
        querystring={"q": "it's"},
    )
    assert out == "it's"


def test_reference_parse_json_example() -> None:
    # $util.parseJson example of the mapping template reference
    body = json.dumps({"errorMessage": json.dumps({"key1": "var1", "key2": {"arr": [1, 2, 3]}})})
    template = """#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))
{
   "errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]
}"""
    assert json.loads(r(template, body=body)) == {"errorMessageObjKey2ArrVal": 1}


def test_url_encode_and_decode_as_java_url_encoder() -> None:
    assert r("$util.urlEncode('a b&c=d~*é')") == "a+b%26c%3Dd%7E*%C3%A9"
    assert r("$util.urlDecode('a+b%26c')") == "a b&c"


def test_base64_round_trip_in_utf8() -> None:
    assert r("$util.base64Encode('héllo')") == "aMOpbGxv"
    assert r("$util.base64Decode('aMOpbGxv')") == "héllo"


def test_to_json_is_not_an_api_gateway_util_function() -> None:
    assert r("[$util.toJson('a')]") == "[]"


# --- $context and $stageVariables ----------------------------------------------------------


def test_reference_context_example() -> None:
    context = {
        "stage": "prod",
        "requestId": "abcdefg-000-000-0000-abcdefg",
        "apiId": "abcd1234",
        "resourcePath": "/",
        "httpMethod": "GET",
        "identity": {"sourceIp": "192.0.2.1", "userAgent": "curl/7.84.0"},
        "authorizer": {"claims": {"sub": "user-1", "email": "u@example.com"}},
    }
    template = """{
    "stage" : "$context.stage",
    "request_id" : "$context.requestId",
    "api_id" : "$context.apiId",
    "resource_path" : "$context.resourcePath",
    "http_method" : "$context.httpMethod",
    "source_ip" : "$context.identity.sourceIp",
    "user-agent" : "$context.identity.userAgent",
    "api_key" : "$context.identity.apiKey",
    "sub" : "$context.authorizer.claims.sub"
}"""
    assert json.loads(r(template, context=context)) == {
        "stage": "prod",
        "request_id": "abcdefg-000-000-0000-abcdefg",
        "api_id": "abcd1234",
        "resource_path": "/",
        "http_method": "GET",
        "source_ip": "192.0.2.1",
        "user-agent": "curl/7.84.0",
        "api_key": "",
        "sub": "user-1",
    }


def test_stage_variables_in_all_three_syntaxes() -> None:
    out = r(
        "$stageVariables.env $stageVariables['env'] ${stageVariables['env']}",
        stage_variables={"env": "beta"},
    )
    assert out == "beta beta beta"


# --- overrides ------------------------------------------------------------------------------


def test_cdk_cors_template_sets_the_allowed_origin_override() -> None:
    # The shape the CDK's defaultCorsPreflightOptions writes for several allowed origins.
    template = """#set($origin = $input.params().header.Origin)
#if($origin == "") #set($origin = $input.params().header.origin) #end
#if($origin == "https://a.example" || $origin == "https://b.example")
  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)
#end"""
    allowed = render_mapping(template, TemplateInputs(header={"origin": "https://b.example"}))
    assert allowed.response_headers == {"Access-Control-Allow-Origin": "https://b.example"}
    other = render_mapping(template, TemplateInputs(header={"origin": "https://evil.example"}))
    assert other.response_headers == {}


def test_status_and_request_overrides_are_collected() -> None:
    template = (
        "#set($context.responseOverride.status = 418)"
        '#set($context.requestOverride.header.X-Trace = "t1")'
        '#set($context.requestOverride.querystring.page = "2")'
        '#set($context.requestOverride.path.id = "9")'
    )
    out = render_mapping(template, TemplateInputs())
    assert out.response_status == 418
    assert out.request_headers == {"X-Trace": "t1"}
    assert out.request_querystring == {"page": "2"}
    assert out.request_path == {"id": "9"}


@pytest.mark.parametrize("status", ["99", "600", '"abc"'])
def test_status_override_outside_http_range_is_ignored(status: str) -> None:
    out = render_mapping(f"#set($context.responseOverride.status = {status})", TemplateInputs())
    assert out.response_status is None
