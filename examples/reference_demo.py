"""Reference scales end to end: build, score with drift, link, compare two occasions.

Run::

    python examples/reference_demo.py            # prints the results, files in a temp folder
    python examples/reference_demo.py demo_out   # keeps the files in demo_out/

Everything is simulated with fixed seeds, so the numbers are the same on every run.

1. Municipality A (800 respondents) calibrates a 10-item questionnaire (answers 0..3) and saves
   the calibration as a reference scale, with a reporting unit of mean 50 / SD 10 in that sample.
2. Municipality B (400 respondents, a different population) is scored on the saved reference
   without re-estimating anything. Two items work differently in B (one logit harder): the anchor
   check flags them.
3. The same B data are calibrated freely and linked onto the reference through the common items
   (mean-mean with FIES-style purification): the drifting items are set aside, and the link
   constant comes with its standard error.
4. B is measured again a year later (the same persons, improved by about 0.4 logits on average):
   group means with intervals, change between the occasions, reliable individual change, and the
   expected share above a contract threshold of 55 units.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import measure
from measure.comparison import compare
from measure.linking import link, sample_dif
from measure.reference import load_reference, save_reference
from measure.results import reference_from_calibration
from measure.scoring import score

ITEMS = [f"q{i + 1}" for i in range(10)]
LOCATIONS = np.linspace(-1.5, 1.5, 10)
STEPS = np.array([-1.0, 0.0, 1.0])  # a rating-scale structure: 4 categories per item
THRESHOLDS = LOCATIONS[:, None] + STEPS[None, :]
DRIFTING = [2, 7]  # q3 and q8 are one logit harder in municipality B
THRESHOLD_UNITS = 55.0  # a contract threshold in the reporting unit


def simulate(theta: np.ndarray, thresholds: np.ndarray, seed: int) -> pd.DataFrame:
    sim = measure.simulate_responses(thresholds=thresholds, theta=theta, item_names=ITEMS, rng=seed)
    data = sim.responses.astype("Int64")
    data.insert(0, "id", [f"p{i:04d}" for i in range(theta.size)])
    return data


def main(out: Path) -> None:
    pd.set_option("display.width", 120)
    pd.set_option("display.max_columns", 12)
    rng = np.random.default_rng(2024)

    # 1. the reference ------------------------------------------------------------------------
    data_a = simulate(rng.normal(0.0, 1.0, 800), THRESHOLDS, seed=1)
    cal_a = measure.calibrate(data_a, id_column="id", model="rsm")
    ref = reference_from_calibration(
        cal_a, instrument_id="demo-10", instrument_version="1.0", reporting_unit="mean50_sd10"
    )
    path = save_reference(ref, out / "reference.json")
    ref = load_reference(path)  # verified: format version and content hash
    print(f"1. Reference scale saved to {path} ({ref.content_hash[:19]}...)")
    print(f"   reporting unit: {ref.unit_definition}")

    # 2. score municipality B on the reference ---------------------------------------------------
    thr_b = THRESHOLDS.copy()
    thr_b[DRIFTING] += 1.0
    theta_b = rng.normal(0.3, 0.9, 400)
    data_b = simulate(theta_b, thr_b, seed=2)
    scored = score(data_b, ref, id_column="id")
    drift = scored.anchor_drift
    print("\n2. Municipality B scored on the reference; do the anchors still hold?")
    print(drift[["item", "displacement", "se", "z", "drift"]].round(3).to_string(index=False))
    fit = scored.global_fit
    print(
        f"   drifting items: {scored.summary()['drifting_items']}; global score test "
        f"chi2 = {fit['chi2_adjusted']:.1f} (adjusted), df = {fit['df']}, "
        f"p = {fit['p_value']:.2g}"
    )

    # 3. or: calibrate B freely and link it onto the reference --------------------------------
    cal_b = measure.calibrate(data_b, id_column="id", model="rsm")
    lk = link(cal_b, ref)
    print("\n3. B calibrated on its own and linked (mean-mean, purified, tolerance 0.5 logits):")
    print(
        f"   constant {lk.constant:.3f} logits, link SE {lk.link_se:.3f}; kept {len(lk.kept)} "
        f"items, set aside {', '.join(lk.dropped)}"
    )
    dif = sample_dif(cal_b, ref, link_result=lk)
    print(dif[["item", "difference", "se", "z", "ets_class"]].round(3).to_string(index=False))
    linked = ref.with_unit(lk.apply(cal_b.persons))
    print(
        f"   mean of B on the reference: scored {scored.persons['measure'].mean():.3f}, linked "
        f"{linked['measure'].mean():.3f} logits (true population mean 0.3)"
    )

    # 4. two occasions in B -----------------------------------------------------------------------
    # The drifting items are left out of the follow-up scoring: the anchors are trusted only for
    # the items that held (a short form of the reference; its score table covers the subset).
    stable = [i for i in ITEMS if i not in drift.loc[drift["drift"], "item"].tolist()]
    theta_b2 = theta_b + rng.normal(0.4, 0.4, theta_b.size)
    data_b2 = simulate(theta_b2, thr_b, seed=3)
    district = np.where(np.arange(theta_b.size) % 2 == 0, "north", "south")
    pre = score(
        data_b.assign(district=district),
        ref,
        id_column="id",
        items=stable,
        keep=["district"],
        check_drift=False,
    ).persons
    post = score(
        data_b2.assign(district=district),
        ref,
        id_column="id",
        items=stable,
        keep=["district"],
        check_drift=False,
    ).persons
    result = compare(
        {"2024": pre, "2025": post},
        by="district",
        paired=True,
        threshold=THRESHOLD_UNITS,
        measure="measure_unit",
        se="se_unit",
    )
    print(f"\n4. Two occasions in B (items {', '.join(stable)}; reporting unit):")
    print(
        result.groups[["occasion", "district", "n", "mean", "ci_lower", "ci_upper"]]
        .round(2)
        .to_string(index=False)
    )
    print(
        result.group_change[["district", "change", "ci_lower", "ci_upper", "p_value"]]
        .round(3)
        .to_string(index=False)
    )
    counts = result.individual_change["direction"].value_counts()
    print(f"   individual change at 95%: {counts.to_dict()}")
    print(f"   share above {THRESHOLD_UNITS:g} units (latent_normal) and its change:")
    print(
        result.shares[["occasion", "district", "n", "share", "ci_lower", "ci_upper"]]
        .round(3)
        .to_string(index=False)
    )
    print(
        result.share_change[["district", "design", "change", "ci_lower", "ci_upper", "p_value"]]
        .round(3)
        .to_string(index=False)
    )
    for name, table in result.tables().items():
        table.to_csv(out / f"{name}.csv", index=False)
    scored.persons.to_csv(out / "persons_b.csv", index=False)
    drift.to_csv(out / "anchors_b.csv", index=False)
    print(f"\nTables written to {out}")


if __name__ == "__main__":
    warnings.simplefilter("error")
    if len(sys.argv) > 1:
        target = Path(sys.argv[1])
        target.mkdir(parents=True, exist_ok=True)
        main(target)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
