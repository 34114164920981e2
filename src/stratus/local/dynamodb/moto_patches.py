"""moto's DynamoDB answering bad UpdateExpressions as DynamoDB does, not with a 500.

moto 5.2.5's `OverlappingPathsValidator` reads `ExpressionAttributeNames[placeholder]`
before the validator that reports undefined names runs, so `SET #a = :v` without `#a` in
`ExpressionAttributeNames` raises a KeyError and the client gets a 500. DynamoDB answers
400 ValidationException "Invalid UpdateExpression: An expression attribute name used in the
document path is not defined; attribute name: #a" — moto's own
`ExpressionAttributeNameNotDefined`, which this patch raises instead (a one-line fix moto
could take upstream: look the name up with a check).
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html
"""

from __future__ import annotations

from typing import Any

_INSTALLED = False


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    from moto.dynamodb.exceptions import ExpressionAttributeNameNotDefined
    from moto.dynamodb.parsing.ast_nodes import ExpressionAttributeName  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.validators import OverlappingPathsValidator

    checked = OverlappingPathsValidator.check_for_overlapping_paths

    def check_for_overlapping_paths(self: Any, node: Any) -> Any:
        names = self.expression_attribute_names or {}
        for placeholder in node.find_clauses([ExpressionAttributeName]):
            name = placeholder.get_attribute_name_placeholder()
            if name not in names:
                raise ExpressionAttributeNameNotDefined(name)
        return checked(self, node)

    OverlappingPathsValidator.check_for_overlapping_paths = check_for_overlapping_paths  # type: ignore[method-assign]
    _INSTALLED = True
