"""Files written all or nothing: the one atomic write that results and checkpoints share.

A reader sees the old file or the new one, never half of one: the data goes to a temporary file
beside the target, is flushed to disk, and is renamed over the target (``os.replace``, atomic on
one file system). The new file gets the mode a plain ``open`` would give it under the user's umask
(0644 under the usual 022), not the 0600 of a temporary file.
"""

import os
import tempfile
from pathlib import Path


def umask_mode(mode=0o666):
    """``mode`` less the process's umask: what ``open(path, "w")`` would create."""
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def write_atomic(path, data):
    """Write ``data`` (bytes, or str as UTF-8 with "\\n" line ends) to ``path`` atomically."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
