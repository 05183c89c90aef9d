"""Tables as ``docker ps`` and ``docker images`` print them.

Docker writes rows through its fork of Go's ``text/tabwriter`` configured as
``NewWriter(out, 10, 1, 3, ' ', 0)``: every tab-terminated cell is padded to its column's width plus
three spaces (ten at least), and the last cell of a line, which no tab terminates, is written as is.
Columns are "elastic": a run of consecutive lines that share a column aligns it, a line with fewer
cells ends the run. Cell widths count terminal columns (East Asian wide characters are two), as the
fork's ``go-runewidth`` does. The port below keeps the original's recursive shape so that every edge
case (ragged rows, empty cells) comes out byte for byte the same.

Start-up cost: cells are ``__slots__`` objects, not dataclasses, and ``unicodedata`` is imported only
for non-ASCII text (``images`` prints a table every run).
"""

from __future__ import annotations

from mocker.format.template import compile_template, is_table, prepare_format

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from mocker.format.template import MissingKey

MIN_WIDTH = 10
PADDING = 3


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide characters count two, combining marks none."""
    if text.isascii():
        return len(text)
    import unicodedata

    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


class _Cell:
    __slots__ = ("text", "width")

    def __init__(self, text: str, width: int) -> None:
        self.text = text
        self.width = width


class _TabWriter:
    """Go's ``tabwriter.Writer.Write`` + ``Flush`` for the settings Docker uses (no flags)."""

    def __init__(self, min_width: int, padding: int) -> None:
        self.min_width = min_width
        self.padding = padding
        self.lines: list[list[_Cell]] = [[]]
        self.widths: list[int] = []
        self.out: list[str] = []
        self.tail = ""  # text of the current, unterminated cell

    def write(self, text: str) -> None:
        start = 0
        for i, ch in enumerate(text):
            if ch in "\t\n":
                cell = self.tail + text[start:i]
                self.tail = ""
                self.lines[-1].append(_Cell(cell, display_width(cell)))
                start = i + 1
                if ch == "\n":
                    self.lines.append([])
        self.tail += text[start:]

    def flush(self) -> str:
        if self.tail:
            self.lines[-1].append(_Cell(self.tail, display_width(self.tail)))
            self.tail = ""
        self._format(0, len(self.lines))
        self.lines = [[]]
        return "".join(self.out)

    def _format(self, line0: int, line1: int) -> None:
        column = len(self.widths)
        this = line0
        while this < line1:
            if column >= len(self.lines[this]) - 1:
                this += 1
                continue
            # The line has a cell in this column: print what precedes the block, then size the
            # column over every following line that also has it, and format the block recursively.
            self._write_lines(line0, this)
            line0 = this
            width = self.min_width
            while this < line1 and column < len(self.lines[this]) - 1:
                width = max(width, self.lines[this][column].width + self.padding)
                this += 1
            self.widths.append(width)
            self._format(line0, this)
            self.widths.pop()
            line0 = this
        self._write_lines(line0, line1)

    def _write_lines(self, line0: int, line1: int) -> None:
        for i in range(line0, line1):
            for j, cell in enumerate(self.lines[i]):
                self.out.append(cell.text)
                if j < len(self.widths):
                    self.out.append(" " * (self.widths[j] - cell.width))
            if i + 1 < len(self.lines):
                self.out.append("\n")


def tabwrite(text: str, *, min_width: int = MIN_WIDTH, padding: int = PADDING) -> str:
    """Align tab-separated ``text`` exactly as Docker's tabwriter does."""
    writer = _TabWriter(min_width, padding)
    writer.write(text)
    return writer.flush()


def render_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A header row and data rows, aligned like ``docker ps``; each line ends with a newline."""
    lines = ["\t".join(header)] + ["\t".join(row) for row in rows]
    return tabwrite("".join(line + "\n" for line in lines))


def render_template_table(fmt: str, items: Iterable[Any], headers: Mapping[str, str], *,
                          missing_key: MissingKey = "default") -> str:
    """Render ``items`` with a ``--format`` value, as docker/cli's ``formatter.Context.Write`` does.

    ``table {{.Repository}}\\t{{.Tag}}`` prints a header row, made by running the template over
    ``headers`` (field name -> column title, e.g. ``{"Repository": "REPOSITORY"}``), then one row per
    item, all aligned by the tabwriter. Any other format prints one line per item, unaligned. A
    template error raises ``InvalidArgument`` before anything is returned. Listing rows stand for
    Docker's Go structs, so callers pass ``missing_key="error"``: an unknown field is an error there.
    """
    template = compile_template(prepare_format(fmt))
    body = "".join(template.render(item, missing_key=missing_key) + "\n" for item in items)
    if not is_table(fmt):
        return body
    return tabwrite(template.render_header(headers) + "\n" + body)
