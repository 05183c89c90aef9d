"""Step 1 of ``--change``: BuildKit's Dockerfile parser, for the lines of one "Dockerfile".

A port of the parts of BuildKit's ``frontend/dockerfile/parser`` that ``BuildFromConfig`` runs on
the joined changes: comments and blank lines dropped, ``\\`` continuations joined, and each line
split by its instruction's own argument parser (JSON or shell form, ``KEY=value`` pairs, ONBUILD's
trigger), so ``ENV X`` fails with "ENV must have two arguments" whatever follows it. What the
instructions mean is :mod:`mocker.image.changes`' business.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from mocker.errors import InvalidArgument

ESCAPE = "\\"  # the default escape token (no "# escape=" directive in a change)

_NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"
_CONTINUATION = re.compile(r"\\[ \t]*$")


@dataclass(slots=True)
class Node:
    """One parsed line: what BuildKit's ``parser.Node`` holds for it."""

    instruction: str  # as written
    original: str  # the whole logical line
    flags: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    json_form: bool = False
    # ENV/LABEL: (key, value, delimiter) triples, delimiter "" for the legacy "KEY value" form.
    pairs: list[tuple[str, str, str]] = field(default_factory=list)
    sub: Node | None = None  # ONBUILD's trigger


def logical_lines(text: str) -> list[str]:
    """Lines with continuations joined, comment and blank lines dropped."""
    lines: list[str] = []
    current: str | None = None
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        if current is None:
            if not stripped:
                continue
            line = stripped
        elif not stripped:
            continue  # an empty continuation line (BuildKit warns, then skips it)
        match = _CONTINUATION.search(line)
        if match:
            current = (current or "") + line[: match.start()]
            continue
        lines.append(((current or "") + line).strip())
        current = None
    if current is not None and current.strip():
        lines.append(current.strip())
    return lines


def _extract_flags(rest: str) -> tuple[list[str], str]:
    """Leading ``--name[=value]`` words (BuildKit's ``extractBuilderFlags``, without quoting)."""
    flags: list[str] = []
    text = rest.lstrip()
    while text.startswith("--"):
        match = re.match(r"\S+", text)
        assert match is not None
        word = match.group(0)
        text = text[match.end():].lstrip()
        if word == "--":
            break
        flags.append(word)
    return flags, text


def _parse_json_list(rest: str) -> list[str] | None:
    """The exec form's strings, or None when ``rest`` is not a JSON array (then it is shell form)."""
    text = rest.lstrip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise InvalidArgument(_NOT_STRINGS)
    return value


def _parse_words(rest: str) -> list[str]:
    """BuildKit's ``parseWords``: split on blanks, quotes and escapes kept for the lexer."""
    words: list[str] = []
    word = ""
    in_word = False
    quote = ""
    blank_ok = False
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not in_word and not quote:
            if ch.isspace():
                i += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == ESCAPE and quote != "'":
                if i + 1 == len(rest):
                    i += 1
                    continue
                word += ch
                i += 1
                ch = rest[i]
            word += ch
            i += 1
            continue
        if ch.isspace():
            if blank_ok or word:
                words.append(word)
            word, in_word, blank_ok = "", False, False
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            blank_ok = True
        if ch == ESCAPE:
            if i + 1 == len(rest):
                i += 1
                continue
            word += ch
            i += 1
            ch = rest[i]
        word += ch
        i += 1
    if blank_ok or word:
        words.append(word)
    return words


def _parse_name_val(rest: str, key: str) -> list[tuple[str, str, str]]:
    words = _parse_words(rest)
    if not words:
        return []
    if "=" not in words[0]:
        parts = re.split(r"[\t\v\f\r ]+", rest, maxsplit=1)
        if len(parts) < 2:
            raise InvalidArgument(f"{key} must have two arguments")
        return [(parts[0], parts[1], "")]
    pairs = []
    for word in words:
        if "=" not in word:
            raise InvalidArgument(f"Syntax error - can't find = in {go_quote(word)}. Must be of the form: name=value")
        name, _, value = word.partition("=")
        pairs.append((name, value, "="))
    return pairs


def parse_line(line: str) -> Node:
    parts = re.split(r"\s+", line.strip(), maxsplit=1)
    instruction = parts[0]
    flags, rest = _extract_flags(parts[1] if len(parts) > 1 else "")
    rest = rest.strip()
    node = Node(instruction=instruction, original=line, flags=flags)
    word = instruction.lower()
    if word in ("cmd", "entrypoint", "run", "shell"):
        if rest:
            exec_form = _parse_json_list(rest)
            node.json_form = exec_form is not None
            node.args = exec_form if exec_form is not None else [rest]
    elif word in ("volume", "add", "copy"):
        exec_form = _parse_json_list(rest)
        node.json_form = exec_form is not None
        node.args = exec_form if exec_form is not None else rest.split()
    elif word in ("expose", "from"):
        node.args = rest.split()
    elif word in ("env", "label"):
        node.pairs = _parse_name_val(rest, word.upper())
    elif word == "healthcheck":
        head = re.split(r"\s", rest, maxsplit=1)
        if rest:
            node.args = [head[0]]
            tail = head[1].lstrip() if len(head) > 1 else ""
            if tail:
                exec_form = _parse_json_list(tail)
                node.json_form = exec_form is not None
                node.args += exec_form if exec_form is not None else [tail]
    elif word == "onbuild":
        if rest:
            node.sub = parse_line(rest)
            node.args = [node.sub.instruction]
    elif rest:
        node.args = [rest]  # USER, WORKDIR, STOPSIGNAL, MAINTAINER, ...
    return node


def go_quote(text: str) -> str:
    """Go's ``%q`` for the texts that appear here (JSON escaping is close enough for messages)."""
    return json.dumps(text, ensure_ascii=False)
