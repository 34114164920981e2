"""SES templates rendered as SES renders them: Handlebars, strict about missing attributes.

SES renders stored templates with Handlebars: `{{name}}`, nested paths `{{contact.city}}`,
`{{#if}}`/`{{#unless}}`/`{{else}}`, `{{#each}}` (with `this`, `@index`, `@key`, `@first`,
`@last`), `{{#with}}`, inline partials (`{{#* inline "p"}}...{{/inline}}`, `{{> p}}`) and
comments (https://docs.aws.amazon.com/ses/latest/dg/send-personalized-email-advanced.html).
Two SES rules differ from Handlebars.js and are why this is hand-written rather than
pybars3 (unmaintained since 2019, on PyMeta3 from 2015, and it renders a missing value as an
empty string with no way to fail):

- "SES doesn't escape HTML content when rendering the HTML template" (same page): `{{x}}`
  and `{{{x}}}` both insert the value as is.
- Every attribute the template prints must be in the template data; one that is missing is
  a Rendering Failure ("Attribute 'favoritecolor' is not present in the rendering data.",
  https://repost.aws/knowledge-center/ses-sendtemplatedemail-delivery-failure). Extra
  attributes are fine. A missing attribute in a condition (`{{#if x}}`) is only false.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_TAG = re.compile(r"\{\{\{\s*(?P<raw>.*?)\s*\}\}\}|\{\{(?P<body>!--.*?--|.*?)\}\}", re.S)


class TemplateSyntaxError(ValueError):
    """The template itself cannot be parsed (SES refuses it: InvalidTemplate)."""


class RenderingError(ValueError):
    """The data does not fit the template (SES: a Rendering Failure)."""


class MissingAttribute(RenderingError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Attribute '{name}' is not present in the rendering data.")
        self.name = name


class InvalidTemplateData(RenderingError):
    """TemplateData that is not a JSON object (SES: InvalidRenderingParameter)."""


# -- parsing ---------------------------------------------------------------------------
@dataclass
class _Text:
    text: str


@dataclass
class _Var:
    path: str


@dataclass
class _Partial:
    name: str


@dataclass
class _Block:
    helper: str
    arg: str
    body: list[Any] = field(default_factory=list)
    inverse: list[Any] = field(default_factory=list)
    in_inverse: bool = False

    def add(self, node: Any) -> None:
        (self.inverse if self.in_inverse else self.body).append(node)


_BLOCK_HELPERS = ("if", "unless", "each", "with")


def parse(template: str) -> tuple[list[Any], dict[str, list[Any]]]:
    """The template's node tree and its inline partials."""
    root = _Block("root", "")
    stack = [root]
    partials: dict[str, list[Any]] = {}
    pos = 0
    for match in _TAG.finditer(template):
        if match.start() > pos:
            stack[-1].add(_Text(template[pos : match.start()]))
        pos = match.end()
        if match.group("raw") is not None:
            stack[-1].add(_Var(match.group("raw").strip()))
            continue
        tag = match.group("body").strip().strip("~").strip()
        if tag.startswith("!"):
            continue
        if tag.startswith("#*"):
            words = tag[2:].split(None, 1)
            if not words or words[0] != "inline" or len(words) < 2:
                raise TemplateSyntaxError(f"unsupported decorator {{{{{tag}}}}}")
            stack.append(_Block("inline", words[1].strip().strip("\"'")))
        elif tag.startswith("#"):
            words = tag[1:].split(None, 1)
            helper = words[0] if words else ""
            if helper not in _BLOCK_HELPERS:
                raise TemplateSyntaxError(f"unknown block helper #{helper}")
            block = _Block(helper, words[1].strip() if len(words) > 1 else "")
            if not block.arg:
                raise TemplateSyntaxError(f"#{helper} needs an argument")
            stack[-1].add(block)
            stack.append(block)
        elif tag.startswith("/"):
            name = tag[1:].strip()
            if len(stack) == 1 or stack[-1].helper != name:
                raise TemplateSyntaxError(f"unexpected {{{{/{name}}}}}")
            closed = stack.pop()
            if closed.helper == "inline":
                partials[closed.arg] = closed.body
        elif tag == "else" or tag.startswith("else "):
            if len(stack) == 1 or stack[-1].in_inverse:
                raise TemplateSyntaxError("{{else}} outside a block")
            stack[-1].in_inverse = True
        elif tag.startswith(">"):
            stack[-1].add(_Partial(tag[1:].strip().strip("\"'")))
        else:
            stack[-1].add(_Var(tag))
    if len(stack) > 1:
        raise TemplateSyntaxError(f"{{{{#{stack[-1].helper}}}}} is not closed")
    if pos < len(template):
        root.add(_Text(template[pos:]))
    return root.body, partials


# -- rendering -------------------------------------------------------------------------
_MISSING = object()


@dataclass
class _Frame:
    value: Any
    data: dict[str, Any] = field(default_factory=dict)  # @index, @key, @first, @last


class _Renderer:
    def __init__(self, partials: dict[str, list[Any]]) -> None:
        self.partials = partials

    def render(self, nodes: list[Any], stack: list[_Frame]) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, _Text):
                out.append(node.text)
            elif isinstance(node, _Var):
                value = self.lookup(node.path, stack)
                if value is _MISSING or value is None:
                    raise MissingAttribute(node.path)
                out.append(_text(value))
            elif isinstance(node, _Partial):
                if node.name not in self.partials:
                    raise RenderingError(f"The partial {node.name} could not be found")
                out.append(self.render(self.partials[node.name], stack))
            else:
                out.append(self.block(node, stack))
        return "".join(out)

    def block(self, block: _Block, stack: list[_Frame]) -> str:
        value = self.lookup(block.arg, stack)
        truthy = _truthy(value)
        if block.helper == "if":
            return self.render(block.body if truthy else block.inverse, stack)
        if block.helper == "unless":
            return self.render(block.inverse if truthy else block.body, stack)
        if block.helper == "with":
            if not truthy:
                return self.render(block.inverse, stack)
            return self.render(block.body, [*stack, _Frame(value)])
        # each
        items: list[tuple[Any, Any]]
        if isinstance(value, list):
            items = list(enumerate(value))
        elif isinstance(value, dict):
            items = list(value.items())
        else:
            items = []
        if not items:
            return self.render(block.inverse, stack)
        out = []
        for position, (key, item) in enumerate(items):
            data = {
                "index": position,
                "key": key,
                "first": position == 0,
                "last": position == len(items) - 1,
            }
            out.append(self.render(block.body, [*stack, _Frame(item, data)]))
        return "".join(out)

    def lookup(self, path: str, stack: list[_Frame]) -> Any:
        depth = len(stack) - 1
        while path.startswith("../"):
            path = path[3:]
            depth = max(depth - 1, 0)
        frame = stack[depth]
        if path.startswith("@"):
            return frame.data.get(path[1:], _MISSING)
        if path in ("this", "."):
            return frame.value
        if path.startswith("this.") or path.startswith("./"):
            path = path.split(".", 1)[1] if path.startswith("this.") else path[2:]
        value = frame.value
        for part in re.split(r"[./]", path):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return _MISSING
        return value


def _truthy(value: Any) -> bool:
    """Handlebars' falsy values: missing, null, false, 0, "" and [] (an empty object is true)."""
    if value is _MISSING or value is None or value is False:
        return False
    if isinstance(value, int | float) and value == 0:
        return False
    return not (isinstance(value, str | list) and len(value) == 0)


def _text(value: Any) -> str:
    """How Handlebars (JavaScript) prints a value."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if v is None else _text(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def template_data(text: str | None) -> dict[str, Any]:
    """TemplateData as SES reads it: a JSON object (InvalidRenderingParameter otherwise)."""
    try:
        data = json.loads(text or "{}")
    except ValueError:
        raise InvalidTemplateData("Template rendering data is invalid") from None
    if not isinstance(data, dict):
        raise InvalidTemplateData("Template rendering data is invalid")
    return data


def render(template: str, data: dict[str, Any]) -> str:
    """One template part rendered with `data`; raises RenderingError as SES would fail."""
    nodes, partials = parse(template)
    return _Renderer(partials).render(nodes, [_Frame(data)])


@dataclass(frozen=True)
class RenderedParts:
    subject: str
    text: str | None
    html: str | None


def render_parts(
    subject: str | None, text: str | None, html: str | None, data: dict[str, Any]
) -> RenderedParts:
    """A whole template: subject, text and HTML parts (absent parts stay absent)."""
    return RenderedParts(
        subject=render(subject or "", data),
        text=render(text, data) if text is not None else None,
        html=render(html, data) if html is not None else None,
    )
