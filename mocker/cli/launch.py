"""The ``mocker`` console script: a no-change rebuild may be answered before the CLI is loaded.

:func:`mocker.build.replay.attempt` looks at ``build`` command lines only, with a few stats and one
small file read (DECISIONS 39); every other command goes straight to :func:`mocker.cli.main.entry`.
"""

from __future__ import annotations

import os
import sys


def entry() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["build"] or argv[1:2] == ["build"]:
        from mocker.build.replay import attempt

        try:
            code = attempt(argv)
        except BrokenPipeError:
            code = 141
        if code is not None:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BrokenPipeError:
                code = 141
            os._exit(code)  # nothing was opened that needs closing: no teardown (DECISIONS 38)
    from mocker.cli.main import entry as main_entry

    main_entry()
