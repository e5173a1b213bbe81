"""Files written all or nothing, as git and SQLite write theirs: the file tools that the
experiment's results and the saved models share.

- ``write_atomic``: a reader sees the old file or the new one, never half of one. The data goes
  to a temporary file beside the target, is flushed to disk, and is renamed over the target
  (``os.replace``, atomic on one file system). The new file gets the mode a plain ``open`` would
  give it under the user's umask (0644 under the usual 022), not the 0600 of a temporary file.
- ``write_together``: several files of one folder replaced as one unit, through a journal folder
  (``.commit/``): the new files are written and flushed there first, the journal's rename is the
  moment of commit, then each file is moved into place. ``committed_path`` is where a reader finds
  a file, so a reader never sees an old file beside a new one, even after an interrupt between two
  moves; the next write finishes the moves.
- ``folder_lock``: one writer per folder at a time (an advisory lock on the folder, freed when the
  process ends).
- ``read_json``: JSON text parsed, or a ``ValueError`` that names the file and the problem (also for
  nesting too deep for the parser and integers too long to convert).
"""

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

#: The journal folder of ``write_together``, and the folder its new files are staged in.
COMMIT_DIR, STAGING_DIR = ".commit", ".staging"
LOCK_FILE = ".lock"


def umask_mode(mode=0o666):
    """``mode`` less the process's umask: what ``open(path, "w")`` would create."""
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


def _as_bytes(data):
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def _write_synced(path, data):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sync_folder(folder):
    with contextlib.suppress(OSError):  # not every system can open a folder (Windows)
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path, data):
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` atomically, with the umask's mode."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        _write_synced(tmp, _as_bytes(data))
        os.chmod(tmp, umask_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def finish_commit(folder):
    """Finish moving the files of an interrupted ``write_together`` into ``folder`` (nothing to do
    when none was interrupted); drop a staging folder that never reached its commit."""
    folder = Path(folder)
    journal = folder / COMMIT_DIR
    if journal.is_dir():
        for item in sorted(journal.iterdir()):
            os.replace(item, folder / item.name)
        journal.rmdir()
        _sync_folder(folder)
    if (folder / STAGING_DIR).exists():
        shutil.rmtree(folder / STAGING_DIR)


def write_together(folder, files):
    """Replace the files ``{name: bytes or str}`` of ``folder`` as one unit: after an interrupt,
    ``committed_path`` finds either every old file or every new one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    finish_commit(folder)
    staging = folder / STAGING_DIR
    staging.mkdir()
    mode = umask_mode()
    for name, data in files.items():
        _write_synced(staging / name, _as_bytes(data))
        os.chmod(staging / name, mode)
    _sync_folder(staging)
    os.replace(staging, folder / COMMIT_DIR)  # the commit: from here on, the new files are the ones read
    _sync_folder(folder)
    finish_commit(folder)


def committed_path(path):
    """Where the committed version of ``path`` is: inside the journal of an interrupted
    ``write_together`` while it still holds the file, else ``path`` itself."""
    path = Path(path)
    journaled = path.parent / COMMIT_DIR / path.name
    return journaled if journaled.is_file() else path


class FolderBusyError(OSError):
    """Another process holds the lock of a folder (``folder_lock``)."""


@contextlib.contextmanager
def folder_lock(folder, what="write to"):
    """Hold ``folder``'s lock for the ``with`` block; ``FolderBusyError`` at once if another process
    holds it (two writers cannot both win). The lock is on the folder itself (nothing is left
    behind) and goes with the process, even when it is killed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    busy = (f"{folder} is in use: another process is writing there (a sweep of python -m glulib.experiment or "
            f"python -m glulib.retrain); wait for it to finish, or {what} another folder")
    try:
        import fcntl
    except ImportError:  # Windows: a lock file, locked with msvcrt
        import msvcrt
        with open(folder / LOCK_FILE, "a+") as f:
            try:
                msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                raise FolderBusyError(busy) from None
            yield folder
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusyError(busy) from None
        yield folder
    finally:
        os.close(fd)


def read_json(path, func):
    """The parsed JSON of ``path``; a ``ValueError`` naming ``func``, the file and the problem when it is
    not a file, not UTF-8, not JSON, nested too deep, or holds an integer too long to convert."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{func}: {path} is a folder where a file should be; remove it (restore the file with git)")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{func}: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{func}: {path} is not valid JSON ({exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}); an interrupted or edited file?") from None
    except RecursionError:
        raise ValueError(f"{func}: {path} is nested too deeply to read; an edited file?") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise ValueError(f"{func}: {path} cannot be read as JSON ({exc}); an edited file?") from None
