"""`make lab` starts JupyterLab on the course: the repository as its root, notebook 00 open."""

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_make_lab_serves_the_course_with_notebook_00_open(tmp_path):
    env = {**os.environ, "BROWSER": "true", "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "IPYTHONDIR": str(tmp_path / "ipython")}
    log = open(tmp_path / "lab.log", "w+")
    lab = subprocess.Popen(["make", "-s", "lab", "LAB_ARGS=--no-browser --ServerApp.port_retries=50"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url, deadline = None, time.monotonic() + 120
        while url is None and time.monotonic() < deadline and lab.poll() is None:
            time.sleep(0.5)
            log.seek(0)
            found = re.search(r"(http://127\.0\.0\.1:\d+)/lab/tree/(\S+)\?token=(\w+)", log.read())
            url = found and found.groups()
        assert url, "make lab printed no URL:\n" + (tmp_path / "lab.log").read_text()[-2000:]
        base, opened, token = url
        assert opened == "notebooks/00_typhoon_pump.ipynb"
        with urllib.request.urlopen(f"{base}/api/contents?content=1&token={token}", timeout=30) as r:
            top = {item["name"] for item in __import__("json").load(r)["content"]}
        assert {"notebooks", "glulib", "data", "README.md"} <= top  # the repository is the root
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(lab.pid, signal.SIGKILL)
        log.close()
