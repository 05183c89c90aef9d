"""Printing lists and objects the way Docker does: tables, ``--format`` templates, ``-q``, JSON.

Start-up cost: ``json`` and the template engine are imported by the printer that uses them.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from mocker.cli.command import Context


def print_json(ctx: Context, docs: Sequence[Any]) -> None:
    """``inspect`` output: Go's json.MarshalIndent with 4 spaces, HTML-escaped like Go."""
    import json

    text = json.dumps(list(docs), indent=4, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    ctx.out(text)


def print_formatted(
    ctx: Context,
    items: Sequence[Any],
    fmt: str | None,
    *,
    default: str,
    headers: Mapping[str, str],
) -> None:
    """Render ``items`` (dicts of Docker's template field names) with ``fmt`` or the default table.

    ``table`` formats get a header row made from ``headers`` and Go tabwriter alignment; plain
    formats print one line per item, like Docker's formatter.
    """
    from mocker.format.table import render_template_table

    chosen = default if not fmt or fmt == "table" else fmt
    text = render_template_table(chosen, items, dict(headers), missing_key="error")
    if text:
        ctx.stdout.write(text if text.endswith("\n") else text + "\n")


def render_each(ctx: Context, fmt: str, docs: Sequence[Any]) -> None:
    """``inspect --format``: one rendered line per object."""
    from mocker.format.template import compile_template, prepare_format

    tpl = compile_template(prepare_format(fmt))
    for d in docs:
        ctx.out(tpl.render(d))


def report_errors(ctx: Context, errors: Sequence[Exception], *, on_error: Callable[[], None] | None = None) -> int:
    for e in errors:
        ctx.err(f"Error: {e}")
    if errors and on_error:
        on_error()
    return 1 if errors else 0


def print_inspected(ctx: Context, docs: Sequence[Any], missing: Sequence[str], fmt: str | None, *,
                    missing_message: str) -> int:
    """Every ``inspect`` verb: what was found (JSON or ``--format``), then one error per missing name."""
    return print_found(ctx, docs, [f"{missing_message}: {m}" for m in missing], fmt)


def print_found(ctx: Context, docs: Sequence[Any], errors: Sequence[object], fmt: str | None) -> int:
    """What was found (JSON or ``--format``), then one ``Error:`` line per error; exit 1 if any."""
    if fmt:
        render_each(ctx, fmt, docs)
    else:
        print_json(ctx, docs)
    for e in errors:
        ctx.err(f"Error: {e}")
    return 1 if errors else 0
