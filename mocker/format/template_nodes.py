"""Parse tree of Go's ``text/template`` syntax: the nodes :mod:`mocker.format.template_parse` builds.

A port of Go's ``text/template/parse/node.go``. Nodes print themselves as Go's ``Node.String()``
does, because execution errors quote them (``executing "" at <.Foo>``). Positions are character
offsets into the template text.

Start-up cost: nodes are plain ``__slots__`` classes, not dataclasses (``images`` parses a template).
"""

from __future__ import annotations

from mocker.format.template_lex import INT64_RANGE, Tok, go_quote, parse_go_float, parse_go_int, unquote_char

# --- parse tree ----------------------------------------------------------------------------------
# Plain ``__slots__`` classes rather than dataclasses: every ``images`` run imports this module, and
# ``dataclasses`` costs ~20 ms to import plus ~1 ms per class. Nodes compare by identity, as the
# ``@dataclass(eq=False)`` classes they replace did.


class Node:
    __slots__ = ("pos",)

    def __init__(self, pos: int) -> None:
        self.pos = pos

    def __repr__(self) -> str:
        names = [n for cls in reversed(type(self).__mro__) for n in getattr(cls, "__slots__", ())]
        return f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"


class TextNode(Node):
    __slots__ = ("text",)

    def __init__(self, pos: int, text: str) -> None:
        self.pos = pos
        self.text = text

    def __str__(self) -> str:
        return self.text


class ListNode(Node):
    __slots__ = ("nodes",)

    def __init__(self, pos: int, nodes: list[Node] | None = None) -> None:
        self.pos = pos
        self.nodes: list[Node] = [] if nodes is None else nodes

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


class VariableNode(Node):
    __slots__ = ("ident",)

    def __init__(self, pos: int, ident: tuple[str, ...]) -> None:
        self.pos = pos
        self.ident = ident

    def __str__(self) -> str:
        return ".".join(self.ident)


class CommandNode(Node):
    __slots__ = ("args",)

    def __init__(self, pos: int, args: list[Node] | None = None) -> None:
        self.pos = pos
        self.args: list[Node] = [] if args is None else args

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


class PipeNode(Node):
    __slots__ = ("decl", "is_assign", "cmds")

    def __init__(self, pos: int, decl: list[VariableNode] | None = None, is_assign: bool = False,
                 cmds: list[CommandNode] | None = None) -> None:
        self.pos = pos
        self.decl: list[VariableNode] = [] if decl is None else decl
        self.is_assign = is_assign
        self.cmds: list[CommandNode] = [] if cmds is None else cmds

    def __str__(self) -> str:
        head = ""
        if self.decl:
            head = ", ".join(str(v) for v in self.decl) + (" = " if self.is_assign else " := ")
        return head + " | ".join(str(c) for c in self.cmds)


class ActionNode(Node):
    __slots__ = ("pipe",)

    def __init__(self, pos: int, pipe: PipeNode) -> None:
        self.pos = pos
        self.pipe = pipe

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


class FieldNode(Node):
    __slots__ = ("ident",)

    def __init__(self, pos: int, ident: tuple[str, ...]) -> None:
        self.pos = pos
        self.ident = ident

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


class ChainNode(Node):
    __slots__ = ("node", "field")

    def __init__(self, pos: int, node: Node, field: list[str] | None = None) -> None:
        self.pos = pos
        self.node = node
        self.field: list[str] = [] if field is None else field

    def __str__(self) -> str:
        base = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return base + "".join("." + f for f in self.field)


class IdentifierNode(Node):
    __slots__ = ("name",)

    def __init__(self, pos: int, name: str) -> None:
        self.pos = pos
        self.name = name

    def __str__(self) -> str:
        return self.name


class DotNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "."


class NilNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "nil"


class BoolNode(Node):
    __slots__ = ("value",)

    def __init__(self, pos: int, value: bool) -> None:
        self.pos = pos
        self.value = value

    def __str__(self) -> str:
        return "true" if self.value else "false"


class NumberNode(Node):
    __slots__ = ("text", "is_int", "is_uint", "is_float", "is_complex", "int_val", "float_val", "complex_val")

    def __init__(self, pos: int, text: str, is_int: bool = False, is_uint: bool = False, is_float: bool = False,
                 is_complex: bool = False, int_val: int = 0, float_val: float = 0.0,
                 complex_val: complex = 0j) -> None:
        self.pos = pos
        self.text = text
        self.is_int = is_int
        self.is_uint = is_uint
        self.is_float = is_float
        self.is_complex = is_complex
        self.int_val = int_val
        self.float_val = float_val
        self.complex_val = complex_val

    def __str__(self) -> str:
        return self.text


class StringNode(Node):
    __slots__ = ("quoted", "text")

    def __init__(self, pos: int, quoted: str, text: str) -> None:
        self.pos = pos
        self.quoted = quoted
        self.text = text

    def __str__(self) -> str:
        return self.quoted


class BranchNode(Node):
    """``if``, ``range`` and ``with``: a pipeline, a body and an optional else body."""

    __slots__ = ("pipe", "list", "else_list")

    keyword = ""

    def __init__(self, pos: int, pipe: PipeNode, list: ListNode, else_list: ListNode | None) -> None:
        self.pos = pos
        self.pipe = pipe
        self.list = list
        self.else_list = else_list

    def __str__(self) -> str:
        els = "" if self.else_list is None else "{{else}}" + str(self.else_list)
        return "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list) + els + "{{end}}"


class IfNode(BranchNode):
    __slots__ = ()
    keyword = "if"


class RangeNode(BranchNode):
    __slots__ = ()
    keyword = "range"


class WithNode(BranchNode):
    __slots__ = ()
    keyword = "with"


class BreakNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{break}}"


class ContinueNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{continue}}"


class TemplateNode(Node):
    __slots__ = ("name", "pipe")

    def __init__(self, pos: int, name: str, pipe: PipeNode | None) -> None:
        self.pos = pos
        self.name = name
        self.pipe = pipe

    def __str__(self) -> str:
        pipe = "" if self.pipe is None else " " + str(self.pipe)
        return "{{template " + go_quote(self.name) + pipe + "}}"


def make_number(pos: int, text: str, typ: int) -> NumberNode:
    """Go's ``newNumber``: one literal may be usable as int, uint and float at once."""
    n = NumberNode(pos, text)
    if typ == Tok.CHAR_CONSTANT:
        code = unquote_char(text)
        n.is_int = n.is_uint = n.is_float = True
        n.int_val, n.float_val = code, float(code)
        return n
    if typ == Tok.COMPLEX or text.endswith("i"):
        try:
            if typ == Tok.COMPLEX:
                c = complex(text[:-1] + "j")
            else:
                c = complex(0, float(text[:-1].replace("_", "")))
        except ValueError:
            raise ValueError(f"illegal number syntax: {go_quote(text)}") from None
        n.is_complex, n.complex_val = True, c
        if c.imag == 0:
            n.is_float, n.float_val = True, c.real
            if c.real == int(c.real):
                n.is_int = n.is_uint = True
                n.int_val = int(c.real)
        return n
    value = parse_go_int(text)
    if value is not None:
        n.is_uint = 0 <= value < (1 << 64) and text[0] not in "+-"
        n.is_int = INT64_RANGE[0] <= value <= INT64_RANGE[1]
        if n.is_int or n.is_uint:
            n.int_val, n.is_float, n.float_val = value, True, float(value)
    if not n.is_float:
        f = parse_go_float(text)
        if f is not None:
            if not any(c in text for c in ".eEpP"):
                raise ValueError(f"integer overflow: {go_quote(text)}")
            n.is_float, n.float_val = True, f
            if f == int(f):
                n.int_val = int(f)
                n.is_int = INT64_RANGE[0] <= n.int_val <= INT64_RANGE[1]
                n.is_uint = 0 <= n.int_val < (1 << 64)
    if not (n.is_int or n.is_uint or n.is_float):
        raise ValueError(f"illegal number syntax: {go_quote(text)}")
    return n
