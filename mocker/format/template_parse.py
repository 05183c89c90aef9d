"""Parser for Go's ``text/template`` syntax (tokens from ``template_lex``, nodes in ``template_nodes``).

A port of Go's ``text/template/parse`` (``parse.go``), kept close to the original so that parse
errors read as Docker's do: scripts grep for them and users paste them into search engines.

Start-up cost: no ``dataclasses`` or ``typing`` at run time (``images`` parses a template).
"""

from __future__ import annotations

from mocker.format.template_lex import Tok, Token, go_quote, go_unquote, lex
from mocker.format.template_nodes import (
    ActionNode,
    BoolNode,
    BranchNode,
    BreakNode,
    ChainNode,
    CommandNode,
    ContinueNode,
    DotNode,
    FieldNode,
    IdentifierNode,
    IfNode,
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TextNode,
    VariableNode,
    WithNode,
    make_number,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import NoReturn

# The node classes are re-exported: callers import the whole parse API from here.
__all__ = [
    "ActionNode", "BoolNode", "BranchNode", "BreakNode", "ChainNode", "CommandNode", "ContinueNode", "DotNode",
    "FieldNode", "IdentifierNode", "IfNode", "ListNode", "NilNode", "Node", "NumberNode", "ParsedTemplate",
    "PipeNode", "RangeNode", "StringNode", "TemplateNode", "TemplateParseError", "TextNode", "VariableNode",
    "WithNode", "make_number", "parse",
]  # fmt: skip


class TemplateParseError(Exception):
    """A parse error, already worded like Go's (``template: :1: ...``)."""


# --- parser --------------------------------------------------------------------------------------

_TERM_START = {
    Tok.BOOL, Tok.CHAR_CONSTANT, Tok.COMPLEX, Tok.DOT, Tok.FIELD, Tok.IDENTIFIER, Tok.NUMBER,
    Tok.NIL, Tok.RAW_STRING, Tok.STRING, Tok.VARIABLE, Tok.LEFT_PAREN,
}


# ``{{end}}`` and ``{{else}}``: markers the parser returns to the enclosing control, never in a tree.
class _EndNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{end}}"


class _ElseNode(Node):
    __slots__ = ()

    def __str__(self) -> str:
        return "{{else}}"


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
