"""Docker's ``--format``: Go ``text/template`` semantics over Python data.

``compile_template`` parses once; ``Template.render`` runs the template against a value. Lookups
follow Go's ``text/template``: ``.Name`` reads an attribute of an object (calling it when it is a
method, as Go calls methods) or a key of a mapping; a missing key prints ``<no value>``. Errors carry
Docker's words, ``template parsing error: template: :1:2: executing "" at <.Foo>: ...``, because that
is what ``docker`` prints for both parse and execution failures.

The format-string conventions around the template (a ``table`` prefix, ``\\t`` typed as two
characters, the ``json`` shorthand) are the ``formatter.Context.preFormat`` rules of docker/cli.

Start-up cost: ``inspect`` (which pulls in ``ast``, ``dis`` and ``tokenize``) is imported only to call a
Python method from a template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mocker.errors import InvalidArgument
from mocker.format.template_fmt import NO_VALUE, format_value, go_type, sorted_items
from mocker.format.template_funcs import ANY, BOOL, FUNCS, INT, STR, STRS, TABLE_HEADER_FUNCS, Func, truth
from mocker.format.template_lex import go_quote
from mocker.format.template_parse import (
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
    ListNode,
    NilNode,
    Node,
    NumberNode,
    PipeNode,
    RangeNode,
    StringNode,
    TemplateNode,
    TemplateParseError,
    TextNode,
    VariableNode,
    WithNode,
    parse,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, Literal, NoReturn

    MissingKey = Literal["default", "error"]

__all__ = ["Template", "compile_template", "expand_escapes", "is_table", "prepare_format", "strip_table"]

TABLE_PREFIX = "table"
JSON_FORMAT = "{{json .}}"


def is_table(fmt: str) -> bool:
    """Docker's ``Format.IsTable``: any format starting with ``table`` renders as a table."""
    return fmt.startswith(TABLE_PREFIX)


def strip_table(fmt: str) -> str:
    """The template part of a format: without the ``table`` prefix, trimmed of spaces as Docker does."""
    if is_table(fmt):
        fmt = fmt[len(TABLE_PREFIX):]
    return fmt.strip(" ")


def expand_escapes(fmt: str) -> str:
    """Turn a typed two-character ``\\t`` or ``\\n`` into a tab or newline (for every format)."""
    return fmt.replace("\\t", "\t").replace("\\n", "\n")


def prepare_format(fmt: str) -> str:
    """Docker's ``preFormat``: the template text ``fmt`` stands for (``json`` means ``{{json .}}``)."""
    return expand_escapes(JSON_FORMAT if fmt == "json" else strip_table(fmt))


def compile_template(text: str) -> Template:
    """Parse ``text`` as a Go template; syntax errors raise ``InvalidArgument`` in Docker's words."""
    try:
        parsed = parse(text, FUNCS)
    except TemplateParseError as exc:
        raise InvalidArgument(f"template parsing error: {exc}") from None
    except RecursionError:  # Go has the same limit, at 10000 nested expressions
        raise InvalidArgument("template parsing error: template: :1: max expression depth exceeded") from None
    return Template(text, parsed.root, parsed.defs)


class Template:
    """A parsed template; render it any number of times."""

    def __init__(self, text: str, root: ListNode, defs: Mapping[str, ListNode]) -> None:
        self.text = text
        self._root = root
        self._defs = dict(defs)

    def render(self, data: Any, *, missing_key: MissingKey = "default") -> str:
        """Execute against ``data``. ``missing_key="error"`` is Go's ``missingkey=error`` option,
        which ``docker inspect`` uses on raw JSON: a missing map key fails instead of printing
        ``<no value>``."""
        state = _State(self, FUNCS, missing_key, "", [])
        try:
            state.run(data)
        except _ExecError as exc:
            raise InvalidArgument(f"template parsing error: {exc}") from None
        except RecursionError:  # data nested deeper than Python's stack, e.g. a self-referencing list
            raise InvalidArgument("template parsing error: template: : exceeded maximum depth") from None
        return "".join(state.out)

    def render_header(self, header: Mapping[str, str]) -> str:
        """Render a table's header row from column titles (``{"Repository": "REPOSITORY"}``).

        As in Docker, functions such as ``lower`` and ``json`` leave titles alone, and an error cuts
        the row short rather than failing: Docker ignores the header's execution error."""
        state = _State(self, TABLE_HEADER_FUNCS, "default", "", [])
        try:
            state.run(header)
        except (_ExecError, RecursionError):
            pass
        return "".join(state.out)

    def error_context(self, node: Node) -> tuple[str, str]:
        """Go's ``ErrorContext``: ``":line:byte-column"`` and the node's text."""
        before = self.text[:node.pos]
        nl = before.rfind("\n")
        col = len(before[nl + 1:].encode()) if nl >= 0 else len(before.encode())
        return f":{before.count(chr(10)) + 1}:{col}", str(node)


class _ExecError(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_NO_FINAL: Any = object()  # Go's missingVal: no value piped into the command
_NOT_FOUND: Any = object()
_MAX_DEPTH = 100  # nested {{template}} calls; Go allows 100000, Python's stack fewer
_BUILTIN_MODULES = {"builtins", "collections", "collections.abc", "_collections_abc", "typing", "abc"}


def _lookup_attr(receiver: Any, name: str) -> Any:
    """``receiver.name`` when it is the receiver's own (not a method of dict, str, list ...)."""
    if name.startswith("_"):
        return _NOT_FOUND
    owner = getattr(receiver, "__dict__", {})
    if name not in owner:
        for cls in type(receiver).__mro__:
            if name in vars(cls):
                if cls.__module__ in _BUILTIN_MODULES:
                    return _NOT_FOUND
                break
        else:
            return _NOT_FOUND
    try:
        return getattr(receiver, name)  # a property may raise; eval_field reports that
    except AttributeError:
        return _NOT_FOUND


def _signature(fn: Callable[..., Any]) -> tuple[tuple[str, ...], str | None]:
    """A Python method's arity in Go terms: fixed parameters and whether it is variadic."""
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return (), ANY
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in params) or len(required) < len(positional)
    return (ANY,) * len(required), ANY if variadic else None


class _State:
    """One execution: the output, the variable stack and the node being run (for error messages)."""

    def __init__(self, tmpl: Template, funcs: Mapping[str, Func], missing_key: MissingKey, name: str,
                 out: list[str], depth: int = 0) -> None:
        self.tmpl = tmpl
        self.funcs = funcs
        self.missing_key = missing_key
        self.name = name
        self.out = out
        self.depth = depth
        self.vars: list[tuple[str, Any]] = []
        self.node: Node | None = None

    def run(self, data: Any, root: ListNode | None = None) -> None:
        dot = NO_VALUE if data is None else data
        self.vars = [("$", dot)]
        self.walk(dot, self.tmpl._root if root is None else root)

    def errorf(self, msg: str) -> NoReturn:
        if self.node is None:
            raise _ExecError(f"template: {self.name}: {msg}")
        location, context = self.tmpl.error_context(self.node)
        raise _ExecError(f"template: {location}: executing {go_quote(self.name)} at <{context}>: {msg}")

    # variables
    def var_value(self, name: str) -> Any:
        for var, value in reversed(self.vars):
            if var == name:
                return value
        self.errorf(f"undefined variable: {name}")

    def set_var(self, name: str, value: Any) -> None:
        for i in range(len(self.vars) - 1, -1, -1):
            if self.vars[i][0] == name:
                self.vars[i] = (name, value)
                return
        self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: Any) -> None:
        self.vars[-n] = (self.vars[-n][0], value)

    # walking
    def walk(self, dot: Any, node: Node) -> None:
        self.node = node
        if isinstance(node, TextNode):
            self.out.append(node.text)
        elif isinstance(node, ActionNode):
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.node = node
                self.out.append("<no value>" if value is NO_VALUE else format_value(value))
        elif isinstance(node, ListNode):
            for n in node.nodes:
                self.walk(dot, n)
        elif isinstance(node, RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, BranchNode):
            mark = len(self.vars)
            try:
                value = self.eval_pipeline(dot, node.pipe)
                if truth(value):
                    self.walk(value if isinstance(node, WithNode) else dot, node.list)
                elif node.else_list is not None:
                    self.walk(dot, node.else_list)
            finally:
                del self.vars[mark:]
        elif isinstance(node, BreakNode):
            raise _Break
        elif isinstance(node, ContinueNode):
            raise _Continue
        elif isinstance(node, TemplateNode):
            self.walk_template(dot, node)

    def _range_items(self, value: Any, node: RangeNode) -> list[tuple[Any, Any]]:
        if value is NO_VALUE or value is None:
            return []
        if isinstance(value, Mapping):
            return sorted_items(value)
        if isinstance(value, (list, tuple)):
            return list(enumerate(value))
        if isinstance(value, int) and not isinstance(value, bool):
            if len(node.pipe.decl) > 1:
                self.errorf(f"can't use {value} to iterate over more than one variable")
            return [(i, i) for i in range(value)]
        if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
            return list(enumerate(value))
        self.errorf(f"range can't iterate over {format_value(value)}")

    def walk_range(self, dot: Any, node: RangeNode) -> None:
        outer = len(self.vars)
        try:
            items = self._range_items(self.eval_pipeline(dot, node.pipe), node)
            mark = len(self.vars)
            decl, assign = node.pipe.decl, node.pipe.is_assign
            for index, elem in items:
                if decl:
                    if assign:
                        self.set_var(decl[0].ident[0], index if len(decl) > 1 else elem)
                    else:
                        self.set_top_var(1, elem)
                if len(decl) > 1:
                    if assign:
                        self.set_var(decl[1].ident[0], elem)
                    else:
                        self.set_top_var(2, index)
                try:
                    self.walk(elem, node.list)
                except _Continue:
                    pass
                finally:
                    del self.vars[mark:]
            if not items and node.else_list is not None:
                self.walk(dot, node.else_list)
        except _Break:
            pass
        finally:
            del self.vars[outer:]

    def walk_template(self, dot: Any, node: TemplateNode) -> None:
        body = self.tmpl._defs.get(node.name)
        if body is None:
            self.errorf(f"template {go_quote(node.name)} not defined")
        if self.depth >= _MAX_DEPTH:
            self.errorf(f"exceeded maximum template depth ({_MAX_DEPTH})")
        dot = self.eval_pipeline(dot, node.pipe)
        sub = _State(self.tmpl, self.funcs, self.missing_key, node.name, self.out, self.depth + 1)
        sub.run(dot, body)

    # evaluation
    def eval_pipeline(self, dot: Any, pipe: PipeNode | None) -> Any:
        if pipe is None:
            return NO_VALUE
        self.node = pipe
        value = _NO_FINAL
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:  # Go unwraps a nil interface into an invalid value
                value = NO_VALUE
        for var in pipe.decl:
            if pipe.is_assign:
                self.set_var(var.ident[0], value)
            else:
                self.vars.append((var.ident[0], value))
        return value

    def not_a_function(self, args: list[Node], final: Any) -> None:
        if len(args) > 1 or final is not _NO_FINAL:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: Any, cmd: CommandNode, final: Any) -> Any:
        first = cmd.args[0]
        if isinstance(first, FieldNode):
            return self.eval_field_chain(dot, dot, first, first.ident, cmd.args, final)
        if isinstance(first, ChainNode):
            return self.eval_chain(dot, first, cmd.args, final)
        if isinstance(first, IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, VariableNode):
            return self.eval_variable(dot, first, cmd.args, final)
        self.node = first
        self.not_a_function(cmd.args, final)
        if isinstance(first, NilNode):
            self.errorf("nil is not a command")
        return self.eval_literal(dot, first)

    def eval_literal(self, dot: Any, node: Node) -> Any:
        self.node = node
        if isinstance(node, BoolNode):
            return node.value
        if isinstance(node, DotNode):
            return dot
        if isinstance(node, StringNode):
            return node.text
        if isinstance(node, NumberNode):
            if node.is_complex:
                return node.complex_val
            hex_int = node.text.lower().lstrip("+-").startswith("0x") and "p" not in node.text.lower()
            if node.is_float and not hex_int and not node.text.startswith("'") \
                    and any(c in node.text for c in ".eEpP"):
                return node.float_val
            if node.is_int:
                return node.int_val
            self.errorf(f"{node.text} overflows int")
        self.errorf(f"can't evaluate command {go_quote(str(node))}")

    def eval_chain(self, dot: Any, chain: ChainNode, args: list[Node] | None, final: Any) -> Any:
        self.node = chain
        if isinstance(chain.node, NilNode):
            self.errorf(f"indirection through explicit nil in {chain}")
        receiver = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, receiver, chain, tuple(chain.field), args, final)

    def eval_variable(self, dot: Any, var: VariableNode, args: list[Node] | None, final: Any) -> Any:
        self.node = var
        value = self.var_value(var.ident[0])
        if len(var.ident) == 1:
            self.not_a_function(args or [var], final)
            return value
        return self.eval_field_chain(dot, value, var, var.ident[1:], args, final)

    def eval_field_chain(self, dot: Any, receiver: Any, node: Node, ident: tuple[str, ...],
                         args: list[Node] | None, final: Any) -> Any:
        self.node = node
        for name in ident[:-1]:
            receiver = self.eval_field(dot, name, node, None, _NO_FINAL, receiver)
        return self.eval_field(dot, ident[-1], node, args, final, receiver)

    def eval_field(self, dot: Any, name: str, node: Node, args: list[Node] | None, final: Any,
                   receiver: Any) -> Any:
        if receiver is NO_VALUE:
            if self.missing_key == "error":
                self.errorf(f"nil data; no entry for key {go_quote(name)}")
            return NO_VALUE
        if receiver is None:
            self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        has_args = (args is not None and len(args) > 1) or final is not _NO_FINAL
        try:
            attr = _lookup_attr(receiver, name)
        except Exception as exc:  # a property that failed: Go's method error
            self.errorf(f"error calling {name}: {exc}")
        if attr is not _NOT_FOUND:
            if callable(attr) and not isinstance(attr, type):
                return self.eval_call(dot, attr, node, name, args, final)
            if has_args:
                self.errorf(f"{name} has arguments but cannot be invoked as function")
            return attr
        if isinstance(receiver, Mapping):
            if has_args:
                self.errorf(f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            if self.missing_key == "error":
                self.errorf(f"map has no entry for key {go_quote(name)}")
            return NO_VALUE
        self.errorf(f"can't evaluate field {name} in type {go_type(receiver)}")

    def eval_function(self, dot: Any, node: IdentifierNode, cmd: Node, args: list[Node] | None,
                      final: Any) -> Any:
        self.node = node
        fn = self.funcs.get(node.name)
        if fn is None:
            self.errorf(f"{go_quote(node.name)} is not a defined function")
        return self.eval_call(dot, fn, cmd, node.name, args, final)

    def eval_call(self, dot: Any, fn: Func | Callable[..., Any], node: Node, name: str,
                  args: list[Node] | None, final: Any) -> Any:
        arg_nodes = args[1:] if args else []
        params, variadic = (fn.params, fn.variadic) if isinstance(fn, Func) else _signature(fn)
        num_in = len(arg_nodes) + (final is not _NO_FINAL)
        if variadic is not None:
            if num_in < len(params):
                self.errorf(
                    f"wrong number of args for {name}: want at least {len(params)} got {len(arg_nodes)}")
        elif num_in != len(params):
            self.errorf(f"wrong number of args for {name}: want {len(params)} got {num_in}")
        if isinstance(fn, Func) and name in ("and", "or") and self.funcs.get(name) is fn:
            value: Any = None
            for arg in arg_nodes:  # short-circuit: later arguments are not evaluated
                value = self.eval_arg(dot, ANY, arg)
                if truth(value) == (name == "or"):
                    return value
            if final is not _NO_FINAL:
                value = self.validate(final, ANY)
            return value
        argv = [self.eval_arg(dot, params[i] if i < len(params) else variadic, a)
                for i, a in enumerate(arg_nodes)]
        if final is not _NO_FINAL:
            last = num_in - 1
            argv.append(self.validate(final, params[last] if last < len(params) else variadic))
        impl = fn.impl if isinstance(fn, Func) else fn
        try:
            return impl(*argv)
        except (_ExecError, _Break, _Continue):
            raise
        except Exception as exc:  # Go: the function's error result, or a recovered panic
            self.node = node
            self.errorf(f"error calling {name}: {exc}")

    def validate(self, value: Any, typ: str | None) -> Any:
        """Go's ``validateType``: may ``value`` be passed where ``typ`` is expected?"""
        if typ is None:
            return value
        if value is NO_VALUE or value is None:
            if typ in (ANY, STRS):
                return None
            self.errorf(f"invalid value; expected {typ}")
        ok = {
            STR: isinstance(value, str),
            INT: isinstance(value, int) and not isinstance(value, bool),
            BOOL: isinstance(value, bool),
            STRS: isinstance(value, (list, tuple)) and all(isinstance(x, str) for x in value),
        }.get(typ, True)
        if not ok:
            self.errorf(f"wrong type for value; expected {typ}; got {go_type(value)}")
        return value

    def eval_arg(self, dot: Any, typ: str | None, node: Node) -> Any:
        self.node = node
        if isinstance(node, DotNode):
            return self.validate(dot, typ)
        if isinstance(node, NilNode):
            if typ in (None, ANY, STRS):
                return None
            self.errorf(f"cannot assign nil to {typ}")
        if isinstance(node, FieldNode):
            return self.validate(self.eval_field_chain(dot, dot, node, node.ident, [node], _NO_FINAL), typ)
        if isinstance(node, VariableNode):
            return self.validate(self.eval_variable(dot, node, None, _NO_FINAL), typ)
        if isinstance(node, PipeNode):
            return self.validate(self.eval_pipeline(dot, node), typ)
        if isinstance(node, IdentifierNode):
            return self.validate(self.eval_function(dot, node, node, None, _NO_FINAL), typ)
        if isinstance(node, ChainNode):
            return self.validate(self.eval_chain(dot, node, None, _NO_FINAL), typ)
        if typ == BOOL and not isinstance(node, BoolNode):
            self.errorf(f"expected bool; found {node}")
        if typ == STR and not isinstance(node, StringNode):
            self.errorf(f"expected string; found {node}")
        if typ == INT:
            if not (isinstance(node, NumberNode) and node.is_int):
                self.errorf(f"expected integer; found {node}")
            return node.int_val
        if typ == STRS:
            self.errorf(f"can't handle {node} for arg of type {typ}")
        return self.eval_literal(dot, node)
