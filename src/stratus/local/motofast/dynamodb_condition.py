"""DynamoDB condition expressions lexed once per string (moto 5.2.5 patch).

What upstream lacks: a conditional PutItem or UpdateItem parses its ConditionExpression twice
(the handler, to list the placeholders used; the backend, to evaluate it), and each parse
starts by lexing the string with six regular expressions tried in turn at every token, the
patterns compiled afresh on each try (`re`'s cache lookup) — about a third of a parse, a
sixteenth of a conditional write, for the same few strings on every call.

The patch keeps, per expression string, what the lexer made of it — each token's
(nonterminal, kind, text, value), all of which are strings — and hands every parse a new
`deque` of new `Node`s with the same fields and a new empty `children` list, as the lexer
does; the later stages (paths, names, values, functions) run as before. The tokens depend on
the string alone. A string the lexer refuses is not kept, so it raises the same error every
time; the cache holds up to 512 strings and starts again when full.

Upstream note: `_lex_one_node` could compile its patterns once, and the handler could hand its
parse to the backend.
"""

from __future__ import annotations

from collections import deque
from typing import Any

_PATCHED = "_stratus_lexed_once"
CACHE_SIZE = 512


def install() -> None:
    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser._lex_condition_expression
    if getattr(original, _PATCHED, False):
        return
    node_type = ConditionExpressionParser.Node
    lexed: dict[str, tuple[tuple[Any, Any, Any, Any], ...] | None] = {}

    def _lex_condition_expression(self: Any) -> Any:
        expression = self.condition_expression
        if type(expression) is not str:
            return original(self)
        tokens = lexed.get(expression)
        if tokens is None:
            nodes = original(self)
            if any(type(node) is not node_type or node.children != [] for node in nodes):
                return nodes  # not the lexer's usual output: nothing kept
            if len(lexed) >= CACHE_SIZE:
                lexed.clear()
            tokens = lexed[expression] = tuple(
                (node.nonterminal, node.kind, node.text, node.value) for node in nodes
            )
            return nodes
        return deque(
            node_type(nonterminal=n, kind=k, text=t, value=v, children=[]) for n, k, t, v in tokens
        )

    setattr(_lex_condition_expression, _PATCHED, True)
    _lex_condition_expression.__wrapped__ = original  # type: ignore[attr-defined]
    ConditionExpressionParser._lex_condition_expression = _lex_condition_expression  # type: ignore[method-assign]
