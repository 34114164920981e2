"""DynamoDB UpdateItem parses an expression once and walks its tree cheaply (moto 5.2.5 patch).

What upstream lacks: one UpdateItem parses its UpdateExpression twice (`DynamoHandler.update_item`
to list the placeholders used, `DynamoDBBackend.update_item` again), although the same few
expression strings come back on every call; then `UpdateExpressionValidator` walks the tree
once per processor (ten of them), and on every node `DepthFirstTraverser` rebuilds the
processor's `_processing_map()` dict (and again to pick the function for a node it processes)
and asks `isinstance` of abstract classes (ABCMeta's slow path) several times. Under cProfile,
parsing and those walks were ~45% of an UpdateItem.

The patch:
- `UpdateExpressionParser.make` keeps the tree of each expression string (an LRU of 512). The
  tree depends on the string alone, and no caller changes it: the handler and
  `transact_write_items` only read it (`find_clauses`), and `Validator.__init__` deep-copies it
  before its processors replace nodes and `normalize()` reorders them. A string that fails to
  parse is not kept, so it raises the same error every time.
- `DepthFirstTraverser.traverse` does moto's walk (children first, left to right; the
  `pre_processing_of_child` hook before each child; the first matching entry of the processing
  map replaces the node, which keeps its parent and its slot in the parent's children) with
  the map built once per walk and each node class's match worked out once per walk. The
  processors' maps are fixed dicts of their bound methods (they read no state), and whether
  an object is an instance of a class without virtual subclasses depends on its class alone.
- `Node.find_clauses` (which the action-count and overlapping-path checks run on every clause
  node, each over its whole subtree: every clause class is an `UpdateExpression`) makes moto's
  walk, with its two `isinstance` questions (is the child an `Expression`, an
  `UpdateExpressionFunction`?) answered once per node class.
- `validators.deepcopy` (the validator's copy of the tree, and of a function's first argument)
  copies tree nodes directly: a new object of the node's class with its attributes copied —
  lists member by member, nodes recursively (parents too, through the memo, as `deepcopy`
  follows them), strings, numbers and None shared — which is what `copy.deepcopy` does for
  these plain objects (no node class defines `__deepcopy__`, `__reduce__`, `__slots__` or
  state hooks). Any other value, and any root that is not a node, goes to `copy.deepcopy`.

Upstream note: moto could `functools.lru_cache` the parse and build the map once per processor.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

_PATCHED = "_stratus_update_expression"
CACHE_SIZE = 512
_NO_MATCH = -1
_ATOMS = frozenset({str, int, float, bool, type(None)})


def tree_copier(node_class: type) -> Any:
    """`copy.deepcopy`, done directly for moto's expression-tree nodes (`node_class`)."""
    deepcopy = copy.deepcopy
    atoms = _ATOMS

    node_types: dict[type, bool] = {}  # class -> is it a node class (asked once per class)

    def value(found: Any, memo: dict[int, Any]) -> Any:
        kind = type(found)
        if kind in atoms:
            return found
        done = memo.get(id(found))  # as `deepcopy` asks first
        if done is not None:
            return done
        if kind is list:
            result: list[Any] = []
            memo[id(found)] = result
            result.extend([v if type(v) in atoms else value(v, memo) for v in found])
            return result
        is_node = node_types.get(kind)
        if is_node is None:
            is_node = node_types[kind] = isinstance(found, node_class)
        return node(found, memo) if is_node else deepcopy(found, memo)

    def node(found: Any, memo: dict[int, Any]) -> Any:
        cls = found.__class__
        result = cls.__new__(cls)
        memo[id(found)] = result
        state = {}
        for key, v in found.__dict__.items():
            state[key] = v if type(v) in atoms else value(v, memo)
        result.__dict__.update(state)
        return result

    def tree_copy(found: Any, memo: dict[int, Any] | None = None) -> Any:
        if not isinstance(found, node_class):
            return deepcopy(found, memo)
        if memo is None:
            memo = {}
        done = memo.get(id(found))
        return done if done is not None else node(found, memo)

    return tree_copy


def install() -> None:
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.ast_nodes import (  # type: ignore[attr-defined]
        DepthFirstTraverser,
        Expression,
        Node,
    )
    from moto.dynamodb.parsing.ast_nodes import (  # type: ignore[attr-defined]
        UpdateExpressionFunction as Function,
    )
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    current = UpdateExpressionParser.__dict__["make"]
    if getattr(current.__func__, _PATCHED, False):
        return
    original_make = current.__func__

    @functools.lru_cache(maxsize=CACHE_SIZE)
    def parsed(cls: Any, expression: str) -> Any:
        return original_make(cls, expression)

    def make(cls: Any, expression_str: Any) -> Any:
        if type(expression_str) is not str:  # unhashable or odd input: moto's own answer
            return original_make(cls, expression_str)
        return parsed(cls, expression_str)

    original_find = Node.find_clauses
    descends: dict[type, bool] = {}

    def find_clauses(self: Any, clause_types: Any) -> list[Any]:
        clauses: list[Any] = []
        for child in self.children or []:
            kind = type(child)
            if kind in clause_types:
                clauses.append(child)
                continue
            descend = descends.get(kind)
            if descend is None:
                descend = descends[kind] = isinstance(child, (Expression, Function))
            if descend:
                clauses.extend(child.find_clauses(clause_types))
        return clauses

    original_traverse = DepthFirstTraverser.traverse
    default_hook = DepthFirstTraverser.pre_processing_of_child

    def traverse(self: Any, node: Any) -> Any:
        entries = tuple(self._processing_map().items())
        hook = (
            None
            if type(self).pre_processing_of_child is default_hook
            else self.pre_processing_of_child
        )
        matches: dict[type, int] = {}  # class -> index of the processor that takes it

        def match(kind: type, found: Any) -> int:
            index = _NO_MATCH
            for i, (class_key, _) in enumerate(entries):
                if isinstance(found, class_key):
                    index = i
                    break
            matches[kind] = index
            return index

        def visit(node: Any, child_id: int) -> Any:
            kind = type(node)
            index = matches.get(kind)
            if index is None:
                if not isinstance(node, Node):
                    matches[kind] = _NO_MATCH - 1  # not a node: returned untouched
                    return node
                index = match(kind, node)
            elif index < _NO_MATCH:
                return node
            parent = node.parent
            children = node.children
            if children is not None:
                for i, child in enumerate(children):
                    if hook is not None:
                        hook(node, i)
                    visit(child, i)
            if index != _NO_MATCH:
                node = entries[index][1](node)
                node.parent = parent
                if parent:
                    parent.children[child_id] = node
            return node

        return visit(node, -1)

    setattr(make, _PATCHED, True)
    make.__wrapped__ = original_make  # type: ignore[attr-defined]
    UpdateExpressionParser.make = classmethod(make)
    traverse.__wrapped__ = original_traverse  # type: ignore[attr-defined]
    find_clauses.__wrapped__ = original_find  # type: ignore[attr-defined]
    Node.find_clauses = find_clauses
    DepthFirstTraverser.traverse = traverse
    tree_copy = tree_copier(Node)
    tree_copy.__wrapped__ = validators.deepcopy
    validators.deepcopy = tree_copy
