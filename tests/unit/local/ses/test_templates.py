"""SES template rendering: Handlebars as SES applies it (strict about missing attributes,
no HTML escaping)."""

from __future__ import annotations

import pytest

from stratus.local.ses import templates
from stratus.local.ses.templates import MissingAttribute, render


def test_variables_and_nested_paths_are_substituted() -> None:
    data = {"name": "Anaya", "contact": {"city": "Bengaluru"}}
    assert render("Hello {{name}} from {{contact.city}}!", data) == "Hello Anaya from Bengaluru!"


def test_missing_attribute_is_a_rendering_failure_with_ses_message() -> None:
    with pytest.raises(MissingAttribute) as failure:
        render("Dear {{name}}, your colour is {{favoritecolor}}.", {"name": "Jane"})
    assert str(failure.value) == "Attribute 'favoritecolor' is not present in the rendering data."


def test_null_value_is_missing_too() -> None:
    with pytest.raises(MissingAttribute):
        render("{{website}}", {"website": None})


def test_missing_nested_attribute_names_its_path() -> None:
    with pytest.raises(MissingAttribute) as failure:
        render("{{contact.city}}", {"contact": {}})
    assert failure.value.name == "contact.city"


def test_extra_attributes_are_fine() -> None:
    assert render("{{a}}", {"a": "x", "favoritenumber": 10}) == "x"


def test_if_else_and_unless_treat_missing_as_false() -> None:
    template = "{{#if premium}}gold{{else}}basic{{/if}}/{{#unless premium}}upsell{{/unless}}"
    assert render(template, {}) == "basic/upsell"
    assert render(template, {"premium": True}) == "gold/"


def test_each_iterates_with_this_index_first_last_and_else() -> None:
    template = "{{#each items}}{{@index}}:{{this.name}}{{#unless @last}},{{/unless}}{{/each}}"
    assert render(template, {"items": [{"name": "a"}, {"name": "b"}]}) == "0:a,1:b"
    assert render("{{#each items}}x{{else}}none{{/each}}", {"items": []}) == "none"


def test_each_reaches_the_parent_context() -> None:
    data = {"owner": "Ann", "pets": ["cat", "dog"]}
    assert render("{{#each pets}}{{../owner}}'s {{this}};{{/each}}", data) == "Ann's cat;Ann's dog;"


def test_with_and_inline_partials() -> None:
    template = '{{#* inline "greet"}}Hi {{first}}{{/inline}}{{#with person}}{{> greet}}{{/with}}'
    assert render(template, {"person": {"first": "Bo"}}) == "Hi Bo"


def test_html_is_not_escaped_as_ses_documents() -> None:
    assert render("<p>{{msg}}</p>", {"msg": "<b>&</b>"}) == "<p><b>&</b></p>"
    assert render("{{{msg}}}", {"msg": "<i>"}) == "<i>"


def test_values_print_like_javascript() -> None:
    assert render("{{n}} {{f}} {{b}} {{l}}", {"n": 3, "f": 2.0, "b": True, "l": [1, 2]}) == (
        "3 2 true 1,2"
    )


def test_comments_are_dropped() -> None:
    assert render("a{{! note }}b{{!-- long --}}c", {}) == "abc"


@pytest.mark.parametrize("bad", ["{{#if x}}open", "{{/if}}", "{{#bogus x}}{{/bogus}}", "{{else}}"])
def test_broken_templates_are_syntax_errors(bad: str) -> None:
    with pytest.raises(templates.TemplateSyntaxError):
        render(bad, {"x": 1})


@pytest.mark.parametrize("text", ["{bad", "[1, 2]", '"string"'])
def test_template_data_must_be_a_json_object(text: str) -> None:
    with pytest.raises(templates.InvalidTemplateData):
        templates.template_data(text)
