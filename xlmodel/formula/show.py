"""A parsed formula node as a reader would write it (for ``forklara``'s argument list)."""

from __future__ import annotations

from xlmodel.formula import parse as P


def node_text(node) -> str:
    if isinstance(node, P.Lit):
        v = node.value
        if isinstance(v, str):
            return '"' + v.replace('"', '""') + '"'
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        return str(v)
    if isinstance(node, P.Missing):
        return "(utelämnat)"
    if isinstance(node, P.Ref):
        return node.text
    if isinstance(node, P.Call):
        return f"{node.written}(" + ",".join(node_text(a) for a in node.args) + ")"
    if isinstance(node, P.Unary):
        return node.op + node_text(node.operand)
    if isinstance(node, P.Percent):
        return node_text(node.operand) + "%"
    if isinstance(node, P.Binary):
        return node_text(node.left) + node.op + node_text(node.right)
    if isinstance(node, P.Array):
        return "{" + ";".join(",".join(node_text(x) for x in row) for row in node.rows) + "}"
    return "?"
