"""How long `make experiment` took when it made the committed results: `make help` prints it.

Reads ``wall_time_s`` and the core count from each committed ``data/results/**/runs.json``
(the time adds up across interrupted and resumed sessions). Standard library only, so that
`make help` runs before anything is installed.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "data" / "results"
#: results folder -> the arguments of `make experiment` that write it
MODES = {"": "", "long": 'ARGS="--budget long"', "lr_sweep": 'ARGS="--lr-sweep"'}


def measured(results=RESULTS):
    """[(ARGS, minutes, cores)] for each mode whose committed results record a wall time."""
    out = []
    for folder, args in MODES.items():
        files = [results / folder / "runs.json"] if folder != "lr_sweep" else sorted(
            (results / folder).glob("*/runs.json"))
        total, cores = 0.0, set()
        for f in files:
            try:
                d = json.loads(f.read_text(encoding="utf-8"))
                total += float(d["wall_time_s"])
                cores.add(d["environment"]["cpu_count"])
            except (OSError, ValueError, KeyError, TypeError):
                total = None
                break
        if files and total is not None:
            out.append((args, total / 60, "/".join(str(c) for c in sorted(cores))))
    return out


def main():
    rows = measured()
    if not rows:
        return 0
    print("\n  make experiment is long, and it replaces the committed data/results/ and data/models/")
    print("  that notebooks 06 and 07 read. The committed results took:")
    for args, minutes, cores in rows:
        print(f"    make experiment {args:<22} {minutes:5.0f} min on {cores} cores")
    print('  ARGS="--estimate" prints the expected time on this machine without training.')
    return 0


if __name__ == "__main__":
    sys.exit(main())
