"""Write data/text/python_reference.txt from CPython's pydoc_data.topics (PSF licence).

pydoc_data.topics is the text `help("with")` shows: the Python language reference, one
topic per entry. It changes between Python versions, so the course trains on this
committed snapshot, never on the running interpreter's copy. Run once to (re)make it:

    python data/text/make_snapshot.py

It writes the text, its SHA-256 (python_reference.txt.sha256, read by glulib.textdata)
and a copy of the interpreter's licence file (LICENSE-PSF.txt). The digest is also pinned
in glulib/textdata.py (TEXT_SHA256): a new snapshot needs that line changed too, and the
committed experiment rerun (data/results/ records the text's digest).
"""

import hashlib
import platform
import shutil
import sys
import sysconfig
from pathlib import Path

from pydoc_data import topics

HERE = Path(__file__).resolve().parent
TEXT = HERE / "python_reference.txt"


def snapshot():
    """The topics in sorted order, each under a `== name ==` line; LF line ends, UTF-8."""
    parts = []
    for name in sorted(topics.topics):
        body = topics.topics[name].replace("\r\n", "\n").strip("\n")
        parts.append(f"== {name} ==\n{body}\n")
    return "\n".join(parts)


def main():
    text = snapshot()
    data = text.encode("utf-8")
    TEXT.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    (HERE / "python_reference.txt.sha256").write_text(f"{digest}  {TEXT.name}\n")
    licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    shutil.copyfile(licence, HERE / "LICENSE-PSF.txt")
    print(f"wrote {TEXT.name}: {len(text)} characters from Python {platform.python_version()} "
          f"({len(topics.topics)} topics), sha256 {digest}", file=sys.stderr)
    print("now set TEXT_SHA256 in glulib/textdata.py to that digest", file=sys.stderr)


if __name__ == "__main__":
    main()
