"""Output files and folders only their owner can read: 0600 files, 0700 folders.

Reports name people and what they sent to which service, so every file a run writes is
created (or truncated) with mode 0600 and every folder it creates gets 0700, whatever the
process umask. A folder that already exists is left as it is (``--out /tmp`` must not
change /tmp); a file that already exists is reset to 0600.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Final

FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700 (existing ones untouched)."""
    missing: list[Path] = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(d, DIR_MODE)  # mkdir's mode is filtered by the umask


def open_private(path: Path) -> IO[bytes]:
    """Open ``path`` for writing (created or truncated) with mode 0600, as a binary file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode; the umask filters new ones
        return os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise


def write_private_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` with mode 0600."""
    with open_private(path) as fh:
        fh.write(text.encode("utf-8"))
