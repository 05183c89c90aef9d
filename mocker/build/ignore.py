""".dockerignore: Docker's pattern rules (moby/patternmatcher), so the same files are left out.

Each line is a pattern, ``#`` lines are comments, a leading ``!`` makes an exception. Patterns are
cleaned like Go's ``filepath.Clean`` and lose a leading ``/``; ``*`` and ``?`` never cross ``/``,
``**`` crosses any number of directories. The last pattern that matches a path (or one of its
parent directories) decides, so ``!`` lines re-include what earlier lines excluded.
"""

from __future__ import annotations

import os
import posixpath

from mocker.errors import InvalidArgument
from mocker.records import frozen

TYPE_CHECKING = False  # on a cached rebuild's path; ``re`` is imported when there are patterns
if TYPE_CHECKING:
    import re


@frozen
class _Pattern:
    text: str
    regex: re.Pattern[str]
    exclusion: bool


def _clean(path: str) -> str:
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = cleaned[1:]
    return cleaned


def _compile(pattern: str) -> re.Pattern[str]:
    import re

    out = "^"
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                out += ".*" if i >= n else "(.*/)?"
            else:
                out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "\\":
            if i < n:
                out += re.escape(pattern[i])
                i += 1
            else:
                out += "\\\\"
        elif ch == "[":
            end = pattern.find("]", i + 1 if i < n and pattern[i] in "^!" else i)
            if end < 0:
                raise InvalidArgument(f"syntax error in pattern {pattern!r}")
            body = pattern[i:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out += "[" + body.replace("\\", "\\\\") + "]"
            i = end + 1
        else:
            out += re.escape(ch)
    return re.compile(out + "$", re.DOTALL)


class IgnoreMatcher:
    """Decides whether a context path (relative, ``/``-separated) is left out of the build."""

    def __init__(self, lines: list[str]) -> None:
        self.patterns: list[_Pattern] = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exclusion = line.startswith("!")
            if exclusion:
                line = line[1:].strip()
                if not line:
                    raise InvalidArgument('illegal exclusion pattern: "!"')
            line = _clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
            self.patterns.append(_Pattern(line, _compile(line), exclusion))

    @property
    def has_exceptions(self) -> bool:
        return any(p.exclusion for p in self.patterns)

    def excluded(self, rel: str) -> bool:
        """MatchesOrParentMatches: does the last deciding pattern exclude ``rel``?"""
        if not self.patterns:
            return False
        rel = _clean(rel)
        parts = rel.split("/")
        parents = ["/".join(parts[: i + 1]) for i in range(len(parts) - 1)]
        matched = False
        for p in self.patterns:
            if p.exclusion != matched:
                continue
            hit = bool(p.regex.match(rel)) or any(p.regex.match(d) for d in parents)
            if hit:
                matched = not p.exclusion
        return matched

    def may_include_below(self, rel_dir: str) -> bool:
        """Whether some exception pattern could re-include a path under the excluded ``rel_dir``."""
        prefix = _clean(rel_dir) + "/"
        for p in self.patterns:
            if p.exclusion and (p.text.startswith(prefix) or "*" in p.text or "?" in p.text or "[" in p.text):
                return True
        return False


def load_ignore_file(context: str, dockerfile: str | None) -> IgnoreMatcher:
    """``<Dockerfile>.dockerignore`` beside the Dockerfile wins over the context's ``.dockerignore``."""
    candidates = []
    if dockerfile is not None:
        candidates.append(dockerfile + ".dockerignore")
    candidates.append(os.path.join(context, ".dockerignore"))
    for path in candidates:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as e:
            raise InvalidArgument(f"failed to read {path}: {e.strerror}") from None
        return IgnoreMatcher(text.splitlines())
    return IgnoreMatcher([])
