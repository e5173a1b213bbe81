"""Make data/typhoon_history.csv: a simulated history of storms at the pumping station.

    python data/make_typhoon_history.py          # rewrites data/typhoon_history.csv
    python data/make_typhoon_history.py --check  # exits 1 if the committed file differs

The process (glulib.typhoon.simulate_history, with its constants next to it):
  * 300 storms; rainfall uniform in [0, 8] cm/h, tide uniform in [-3, 4] m above normal,
    wind uniform in [0, 5] (tens of m/s); features rounded to two decimals;
  * pumped volume (million m^3) = severity * sigmoid(gate input) + Gaussian noise (sd 0.15),
    where severity = 0.6 rainfall + 0.1 tide + 0.3 wind + 0.5 and
    gate input = 0.1 rainfall + 0.5 tide + 0.1 wind - 0.3 (the story's weights: the
    station's "true rule", which notebook 01 tries to learn back); rounded to three decimals;
  * 60 storms, drawn at random, are held out (split = test); the other 240 are for training.
Everything comes from one generator, numpy.random.default_rng(SEED); the file is
reproduced byte for byte (tests/test_data_typhoon.py checks).
"""

import argparse
import io
import sys
from pathlib import Path

import numpy as np

from glulib import typhoon

SEED = 1612_08083  # Dauphin et al.'s arXiv number
N_STORMS = 300
PATH = Path(__file__).resolve().parent / "typhoon_history.csv"


def make():
    """The CSV text of the history."""
    h = typhoon.simulate_history(N_STORMS, np.random.default_rng(SEED), test_fraction=0.2)
    buf = io.StringIO()
    buf.write("storm,rainfall,tide,wind,pumped,split\n")
    for i in range(N_STORMS):
        rain, tide, wind = h["x"][i]
        split = "train" if h["train"][i] else "test"
        buf.write(f"{i + 1},{rain:.2f},{tide:.2f},{wind:.2f},{h['pumped'][i]:.3f},{split}\n")
    return buf.getvalue()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args(argv)
    text = make()
    if args.check:
        same = PATH.exists() and PATH.read_text() == text
        print(f"{PATH.name}: {'reproduced byte for byte' if same else 'DIFFERS from the generator'}")
        return 0 if same else 1
    PATH.write_text(text)
    print(f"wrote {PATH} ({N_STORMS} storms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
