"""Expected item sequences from catsim's maximum-information selection (dichotomous Rasch bank).

Run in a throwaway environment with catsim and this package installed:

    python3 -m venv /tmp/catsim && /tmp/catsim/bin/pip install catsim -e .
    /tmp/catsim/bin/python tests/reference/catsim/make_catsim.py

For each answer pattern, the next item is asked of catsim (``MaxInfoSelector().select`` on a
1PL bank: a = 1, b = the Rasch difficulty, c = 0, d = 1; information p(1 - p)) at measure's
current selection point (``AdaptiveTest.estimate().selection_point``); the answer to catsim's
item is recorded and the step repeats. So the stored sequence is catsim's selection rule given
the same answers and the same estimates; tests/library/test_adaptive.py checks that
``AdaptiveTest.next_item()`` gives the same sequence. (catsim's own estimator is not compared:
it differs from the WLE by design.)
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
from catsim.item_bank import ItemBank
from catsim.selection import MaxInfoSelector

from measure.adaptive import AdaptiveTest
from measure.reference import reference_from_thresholds

HERE = Path(__file__).parent


def main() -> None:
    rng = np.random.default_rng(20261204)
    b = np.round(rng.uniform(-2.5, 2.5, 25), 4)
    ids = [f"d{i + 1:02d}" for i in range(b.size)]
    ref = reference_from_thresholds(
        dict(zip(ids, b.tolist(), strict=True)), model="rasch", created="2026-12-04T00:00:00+00:00"
    )
    bank = ItemBank(np.column_stack([np.ones_like(b), b, np.zeros_like(b), np.ones_like(b)]))
    selector = MaxInfoSelector()
    cases = []
    for person in range(8):
        theta = rng.normal(0, 1.2)
        answers = (rng.random(b.size) < 1 / (1 + np.exp(-(theta - b)))).astype(int)
        test = AdaptiveTest(ref, stop_se=0.55, max_items=15)
        seq: list[str] = []
        while not test.done:
            point = test.estimate().selection_point
            j = int(
                selector.select(
                    item_bank=bank, administered_items=[ids.index(i) for i in seq], est_theta=point
                )
            )
            seq.append(ids[j])
            test.record(ids[j], int(answers[j]))
        cases.append({"person": person + 1, "answers": answers.tolist(), "catsim_sequence": seq})
    doc = {
        "catsim_version": version("catsim"),
        "numpy_version": np.__version__,
        "items": ids,
        "difficulty": b.tolist(),
        "settings": {"stop_se": 0.55, "max_items": 15, "estimator": "wle"},
        "cases": cases,
    }
    (HERE / "maxinfo_sequences.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cases)} sequences with catsim {doc['catsim_version']}")


if __name__ == "__main__":
    main()
