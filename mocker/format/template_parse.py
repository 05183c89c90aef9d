"""Parse tree and parser for Go's ``text/template`` syntax (tokens come from ``template_lex``).

A port of Go's ``text/template/parse`` (``node.go``, ``parse.go``), kept close to the
original so that parse errors read as Docker's do: scripts grep for them and users paste them into
search engines. Nodes print themselves as Go's ``Node.String()`` does, because execution errors quote
them (``executing "" at <.Foo>``). Positions are character offsets into the template text.

Start-up cost: nodes are plain ``__slots__`` classes, not dataclasses (``images`` parses a template).
"""

from __future__ import annotations

from mocker.format.template_lex import (
    INT64_RANGE,
    Tok,
    Token,
    go_quote,
    go_unquote,
    lex,
    parse_go_float,
    parse_go_int,
    unquote_char,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import NoReturn


class TemplateParseError(Exception):
    """A parse error, already worded like Go's (``template: :1: ...``)."""


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


class _EndNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{end}}"


class _ElseNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{else}}"


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


# --- parser --------------------------------------------------------------------------------------

_TERM_START = {
    Tok.BOOL, Tok.CHAR_CONSTANT, Tok.COMPLEX, Tok.DOT, Tok.FIELD, Tok.IDENTIFIER, Tok.NUMBER,
    Tok.NIL, Tok.RAW_STRING, Tok.STRING, Tok.VARIABLE, Tok.LEFT_PAREN,
}


class ParsedTemplate:
    __slots__ = ("root", "defs")

    def __init__(self, root: ListNode, defs: dict[str, ListNode]) -> None:
        self.root = root
        self.defs = defs


def parse(text: str, funcs: Collection[str], name: str = "") -> ParsedTemplate:
    """Parse ``text``; ``funcs`` are the function names a template may call (checked, as Go does)."""
    return _Parser(text, funcs, name).parse()


class _Parser:
    def __init__(self, text: str, funcs: Collection[str], name: str) -> None:
        self.tokens = lex(text)
        self.funcs = funcs
        self.name = name
        self.i = 0
        self.seen = 0
        self.vars = ["$"]
        self.range_depth = 0
        self.action_line = 0
        self.defs: dict[str, ListNode] = {}

    # token stream
    def next(self) -> Token:
        idx = min(self.i, len(self.tokens) - 1)
        self.seen = max(self.seen, idx)
        self.i += 1
        tok = self.tokens[idx]
        return tok if self.i <= len(self.tokens) else Token(Tok.EOF, tok.pos, "", tok.line)

    def backup(self) -> None:
        self.i -= 1

    def peek(self) -> Token:
        tok = self.next()
        self.backup()
        return tok

    def next_non_space(self) -> Token:
        tok = self.next()
        while tok.typ == Tok.SPACE:
            tok = self.next()
        return tok

    def peek_non_space(self) -> Token:
        tok = self.next_non_space()
        self.backup()
        return tok

    # errors
    def errorf(self, msg: str) -> NoReturn:
        line = self.tokens[min(self.seen, len(self.tokens) - 1)].line
        raise TemplateParseError(f"template: {self.name}:{line}: {msg}")

    def unexpected(self, tok: Token, context: str) -> NoReturn:
        if tok.typ == Tok.ERROR:
            extra = ""
            if self.action_line and self.action_line != tok.line:
                extra = f" in action started at {self.name}:{self.action_line}"
                if tok.val.endswith(" action"):
                    extra = extra[len(" in action"):]
            self.errorf(f"{tok}{extra}")
        self.errorf(f"unexpected {tok} in {context}")

    def expect(self, typ: int, context: str) -> Token:
        tok = self.next_non_space()
        if tok.typ != typ:
            self.unexpected(tok, context)
        return tok

    # grammar
    def parse(self) -> ParsedTemplate:
        root = ListNode(self.peek().pos)
        while self.peek().typ != Tok.EOF:
            if self.peek().typ == Tok.LEFT_DELIM:
                mark = self.i
                self.next()
                if self.next_non_space().typ == Tok.DEFINE:
                    self.parse_definition()
                    continue
                self.i = mark
            n = self.text_or_action()
            if isinstance(n, (_EndNode, _ElseNode)):
                self.errorf(f"unexpected {n}")
            root.nodes.append(n)
        return ParsedTemplate(root, self.defs)

    def _template_name(self, tok: Token, context: str) -> str:
        if tok.typ not in (Tok.STRING, Tok.RAW_STRING):
            self.unexpected(tok, context)
        try:
            return go_unquote(tok.val)
        except ValueError as exc:
            self.errorf(str(exc))

    def _sub_template(self, name: str, context: str) -> None:
        """Parse a ``define`` or ``block`` body, which sees none of the enclosing variables."""
        saved = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        body, end = self.item_list()
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        self.vars, self.range_depth = saved
        if name in self.defs and _non_empty(self.defs[name]) and _non_empty(body):
            self.errorf(f"template: multiple definition of template {go_quote(name)}")
        if name not in self.defs or _non_empty(body):
            self.defs[name] = body

    def parse_definition(self) -> None:
        context = "define clause"
        name = self._template_name(self.next_non_space(), context)
        self.expect(Tok.RIGHT_DELIM, context)
        self._sub_template(name, context)

    def item_list(self) -> tuple[ListNode, Node]:
        lst = ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != Tok.EOF:
            n = self.text_or_action()
            if isinstance(n, (_EndNode, _ElseNode)):
                return lst, n
            lst.nodes.append(n)
        self.errorf("unexpected EOF")

    def text_or_action(self) -> Node:
        tok = self.next_non_space()
        if tok.typ == Tok.TEXT:
            return TextNode(tok.pos, tok.val)
        if tok.typ == Tok.LEFT_DELIM:
            self.action_line = tok.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        self.unexpected(tok, "input")

    def action(self) -> Node:
        tok = self.next_non_space()
        match tok.typ:
            case Tok.BLOCK:
                return self.block_control()
            case Tok.BREAK | Tok.CONTINUE:
                return self.loop_control(tok)
            case Tok.ELSE:
                return self.else_control()
            case Tok.END:
                return _EndNode(self.expect(Tok.RIGHT_DELIM, "end").pos)
            case Tok.IF:
                return IfNode(*self.parse_control("if"))
            case Tok.RANGE:
                return RangeNode(*self.parse_control("range"))
            case Tok.TEMPLATE:
                return self.template_control()
            case Tok.WITH:
                return WithNode(*self.parse_control("with"))
        self.backup()
        return ActionNode(self.peek().pos, self.pipeline("command", Tok.RIGHT_DELIM))

    def loop_control(self, tok: Token) -> Node:
        word = tok.val
        after = self.next_non_space()
        if after.typ != Tok.RIGHT_DELIM:
            self.unexpected(after, "{{" + word + "}}")
        if self.range_depth == 0:
            self.errorf("{{" + word + "}} outside {{range}}")
        return BreakNode(tok.pos) if tok.typ == Tok.BREAK else ContinueNode(tok.pos)

    def else_control(self) -> Node:
        peek = self.peek_non_space()
        if peek.typ in (Tok.IF, Tok.WITH):  # "else if" / "else with": the if/with is left pending
            return _ElseNode(peek.pos)
        return _ElseNode(self.expect(Tok.RIGHT_DELIM, "else").pos)

    def parse_control(self, context: str) -> tuple[int, PipeNode, ListNode, ListNode | None]:
        mark = len(self.vars)
        try:
            pipe = self.pipeline(context, Tok.RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            body, nxt = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(nxt, _ElseNode):
                if context in ("if", "with") and self.peek().typ == (Tok.IF if context == "if" else Tok.WITH):
                    self.next()
                    inner = IfNode(*self.parse_control("if")) if context == "if" \
                        else WithNode(*self.parse_control("with"))
                    else_list = ListNode(nxt.pos, [inner])
                else:
                    else_list, nxt = self.item_list()
                    if not isinstance(nxt, _EndNode):
                        self.errorf(f"expected end; found {nxt}")
            return pipe.pos, pipe, body, else_list
        finally:
            del self.vars[mark:]

    def template_control(self) -> Node:
        context = "template clause"
        tok = self.next_non_space()
        name = self._template_name(tok, context)
        pipe = None
        if self.next_non_space().typ != Tok.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, Tok.RIGHT_DELIM)
        return TemplateNode(tok.pos, name, pipe)

    def block_control(self) -> Node:
        context = "block clause"
        tok = self.next_non_space()
        name = self._template_name(tok, context)
        pipe = self.pipeline(context, Tok.RIGHT_DELIM)
        self._sub_template(name, context)
        return TemplateNode(tok.pos, name, pipe)

    def pipeline(self, context: str, end: int) -> PipeNode:
        pipe = PipeNode(self.peek_non_space().pos)
        while True:  # declarations: "$x :=", "$x =", "$i, $v :="
            v = self.peek_non_space()
            if v.typ != Tok.VARIABLE:
                break
            mark = self.i
            self.next()
            nxt = self.peek_non_space()
            if nxt.typ in (Tok.ASSIGN, Tok.DECLARE):
                pipe.is_assign = nxt.typ == Tok.ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(v.pos, (v.val,)))
                self.vars.append(v.val)
            elif nxt.typ == Tok.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(v.pos, (v.val,)))
                self.vars.append(v.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (Tok.VARIABLE, Tok.RIGHT_DELIM, Tok.RIGHT_PAREN):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            else:
                self.i = mark  # "$x" is an operand, not a declaration
            break
        while True:
            tok = self.next_non_space()
            if tok.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if tok.typ not in _TERM_START:
                self.unexpected(tok, context)
            self.backup()
            pipe.cmds.append(self.command())

    def check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, c in enumerate(pipe.cmds[1:]):
            if isinstance(c.args[0], (BoolNode, DotNode, NilNode, NumberNode, StringNode)):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def command(self) -> CommandNode:
        cmd = CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            tok = self.next()
            if tok.typ == Tok.SPACE:
                continue
            if tok.typ in (Tok.RIGHT_DELIM, Tok.RIGHT_PAREN):
                self.backup()
            elif tok.typ != Tok.PIPE:
                self.unexpected(tok, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None or self.peek().typ != Tok.FIELD:
            return node
        chain = ChainNode(self.peek().pos, node)
        while self.peek().typ == Tok.FIELD:
            chain.field.append(self.next().val[1:])
        if isinstance(node, FieldNode):
            return FieldNode(chain.pos, node.ident + tuple(chain.field))
        if isinstance(node, VariableNode):
            return VariableNode(chain.pos, node.ident + tuple(chain.field))
        if isinstance(node, (BoolNode, StringNode, NumberNode, NilNode, DotNode)):
            self.errorf(f"unexpected . after term {go_quote(str(node))}")
        return chain

    def term(self) -> Node | None:
        tok = self.next_non_space()
        match tok.typ:
            case Tok.IDENTIFIER:
                if tok.val not in self.funcs:
                    self.errorf(f"function {go_quote(tok.val)} not defined")
                return IdentifierNode(tok.pos, tok.val)
            case Tok.DOT:
                return DotNode(tok.pos)
            case Tok.NIL:
                return NilNode(tok.pos)
            case Tok.VARIABLE:
                v = VariableNode(tok.pos, tuple(tok.val.split(".")))
                if v.ident[0] not in self.vars:
                    self.errorf(f"undefined variable {go_quote(v.ident[0])}")
                return v
            case Tok.FIELD:
                return FieldNode(tok.pos, (tok.val[1:],))
            case Tok.BOOL:
                return BoolNode(tok.pos, tok.val == "true")
            case Tok.CHAR_CONSTANT | Tok.COMPLEX | Tok.NUMBER:
                try:
                    return make_number(tok.pos, tok.val, tok.typ)
                except ValueError as exc:
                    self.errorf(str(exc))
            case Tok.LEFT_PAREN:
                return self.pipeline("parenthesized pipeline", Tok.RIGHT_PAREN)
            case Tok.STRING | Tok.RAW_STRING:
                try:
                    return StringNode(tok.pos, tok.val, go_unquote(tok.val))
                except ValueError as exc:
                    self.errorf(str(exc))
        self.backup()
        return None


def _non_empty(lst: ListNode) -> bool:
    """Go's ``IsEmptyTree`` negated: whitespace-only text does not count as a definition."""
    return any(not (isinstance(n, TextNode) and not n.text.strip()) for n in lst.nodes)
