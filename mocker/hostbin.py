"""Find a host program on ``PATH`` — :func:`shutil.which` without importing :mod:`shutil`.

``shutil`` pulls in fnmatch, bz2 and lzma (~2.5 ms); the ``run`` path only needs the lookup.
"""

from __future__ import annotations

import os


def which(name: str) -> str | None:
    if os.sep in name:
        return name if os.access(name, os.X_OK) and not os.path.isdir(name) else None
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(folder or ".", name)
        if os.access(path, os.X_OK) and not os.path.isdir(path):
            return path
    return None
