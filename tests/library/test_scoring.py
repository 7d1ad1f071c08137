"""Scoring on a reference scale: anchored measures, drift, global fit, CLI (``measure.scoring``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure.cli.score import score_cmd
from measure.exceptions import NullCategoryWarning, ReferenceScaleError, ResponseDataError
from measure.reference import (
    ReferenceScale,
    reference_from_thresholds,
    save_reference,
)
from measure.results import reference_from_calibration
from measure.scoring import Scoring, score

#: ten partial-credit items, locations spread over -1.5..1.5
LOCATIONS = np.linspace(-1.5, 1.5, 10)
STEPS = np.array([-0.8, 0.0, 0.8])
THRESHOLDS = LOCATIONS[:, None] + STEPS[None, :]
SHIFTED = ["item3", "item8"]
CREATED = "2024-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def calibration() -> measure.Calibration:
    sim = measure.simulate_responses(thresholds=THRESHOLDS, n_persons=600, rng=21)
    return measure.calibrate(sim.responses, model="pcm")


@pytest.fixture(scope="module")
def ref(calibration: measure.Calibration) -> ReferenceScale:
    return reference_from_calibration(calibration, reporting_unit="mean50_sd10", created=CREATED)


@pytest.fixture(scope="module")
def drifted(ref: ReferenceScale) -> Scoring:
    """A second municipality: higher mean, and items 3 and 8 one logit harder."""
    thr = THRESHOLDS.copy()
    thr[[2, 7]] += 1.0
    sim = measure.simulate_responses(thresholds=thr, n_persons=500, person_mean=0.5, rng=22)
    return score(sim.responses, ref, drift_policy="keep")


@pytest.fixture(scope="module")
def drifted_data() -> pd.DataFrame:
    thr = THRESHOLDS.copy()
    thr[[2, 7]] += 1.0
    sim = measure.simulate_responses(thresholds=thr, n_persons=500, person_mean=0.5, rng=22)
    return sim.responses


# --------------------------------------------------------------------------------------------
# measures
# --------------------------------------------------------------------------------------------


def test_scoring_the_calibration_sample_reproduces_its_persons(
    calibration: measure.Calibration, ref: ReferenceScale
):
    sim = measure.simulate_responses(thresholds=THRESHOLDS, n_persons=600, rng=21)
    result = score(sim.responses, ref, check_drift=False)
    mine = result.persons
    pd.testing.assert_frame_equal(mine[calibration.persons.columns], calibration.persons)
    assert mine.columns.tolist() == [
        *calibration.persons.columns,
        "measure_unit",
        "se_unit",
        "ci_lower_unit",
        "ci_upper_unit",
    ]
    np.testing.assert_allclose(mine["measure_unit"], ref.to_unit(mine["measure"]))
    np.testing.assert_allclose(mine["se_unit"], ref.se_to_unit(mine["se"]))


def test_one_person(ref: ReferenceScale):
    one = pd.DataFrame({f"item{i + 1}": [2] for i in range(10)})
    result = score(one, ref)
    p = result.persons.iloc[0]
    table = ref.score_table()
    assert p["status"] == "ok" and p["raw_score"] == 20
    assert p["measure"] == pytest.approx(table.loc[20, "wle"])
    assert p["se"] == pytest.approx(table.loc[20, "wle_se"])
    assert len(result.anchor_drift) == 10
    assert result.global_fit["note"].startswith("score test not available")
    json.dumps(result.summary().to_dict(), allow_nan=False)  # strict JSON


def test_one_person_who_skipped_items_and_a_short_form(ref: ReferenceScale):
    """An empty item column is a skipped item; an absent one is not administered."""
    one = pd.DataFrame({"item1": [1], "item2": [np.nan], "item5": [3], "item9": [0]})
    result = score(one, ref)
    assert result.items_scored == ("item1", "item2", "item5", "item9")
    assert result.items_not_administered == tuple(
        i for i in ref.item_ids if i not in result.items_scored
    )
    p = result.persons.iloc[0]
    table = ref.score_table(["item1", "item5", "item9"])
    assert p["n_answered"] == 3 and p["max_score"] == 9
    assert p["measure"] == pytest.approx(table.loc[4, "wle"])
    assert p["mle"] == pytest.approx(table.loc[4, "mle"])


def test_statuses_and_row_order_as_calibrate(ref: ReferenceScale):
    data = pd.DataFrame(
        {
            "id": ["z", "a", "m", "b", "c"],
            "item1": [0, np.nan, 3, 1, np.nan],
            "item2": [0, np.nan, 3, 2, 2],
            "item3": [0, np.nan, 3, 1, np.nan],
        }
    )
    result = score(data, ref, id_column="id", min_answered=2, check_drift=False)
    per = result.persons
    assert per["person"].tolist() == ["z", "a", "m", "b", "c"]
    assert per["row"].tolist() == [2, 3, 4, 5, 6]  # the header is row 1
    assert per["status"].tolist() == [
        "extreme_min",
        "no_answers",
        "extreme_max",
        "ok",
        "too_few_answers",
    ]
    assert np.isfinite(per.loc[[0, 2, 3], "measure"]).all()
    assert per.loc[[1, 4], "measure"].isna().all()
    assert result.status_counts()["no_answers"] == 1


def test_keep_columns_are_carried(ref: ReferenceScale):
    data = pd.DataFrame({"kommun": ["A", "B"], "item1": [1, 2], "item2": [0, 3]})
    per = score(data, ref, keep=["kommun"], check_drift=False).persons
    assert per.columns[:3].tolist() == ["person", "kommun", "row"]
    assert per["kommun"].tolist() == ["A", "B"]
    with pytest.raises(ValueError, match=r"keep column\(s\) 'measure' have the name"):
        score(data.rename(columns={"kommun": "measure"}), ref, keep=["measure"])


def test_code_above_the_reference_top_is_located(ref: ReferenceScale):
    data = pd.DataFrame({"id": ["p1", "p2"], "item1": [1, 4], "item2": [0, 1]})
    with pytest.raises(ResponseDataError, match=r"row 3, person 'p2', column 'item1'.*'4'"):
        score(data, ref, id_column="id")
    result = score(data, ref, id_column="id", invalid="missing", check_drift=False)
    assert result.persons["n_answered"].tolist() == [2, 1]
    assert len(result.responses.invalid) == 1


def test_no_rows_is_refused(ref: ReferenceScale):
    with pytest.raises(ResponseDataError, match=r"new\.csv: no data rows"):
        score(pd.DataFrame({"item1": []}), ref, source="new.csv")


def test_unknown_items_are_refused(ref: ReferenceScale):
    data = pd.DataFrame({"item1": [1], "q99": [2]})
    with pytest.raises(ReferenceScaleError, match=r"'q99' are not in the reference scale"):
        score(data, ref, items=["item1", "q99"])
    with pytest.raises(ReferenceScaleError, match="none of the reference scale's items"):
        score(pd.DataFrame({"q1": [1]}), ref)


def test_array_input_and_column_order(ref: ReferenceScale):
    sim = measure.simulate_responses(thresholds=THRESHOLDS, n_persons=30, rng=5)
    a = score(sim.responses.to_numpy(), ref, check_drift=False).persons
    b = score(sim.responses[sim.responses.columns[::-1]], ref, check_drift=False).persons
    np.testing.assert_allclose(a["measure"], b["measure"])


def test_collapsed_categories_are_recoded_when_scoring():
    thr = [[-1.0, 0.0, 1.0], [-0.5, 0.5, 1.5], [0.0, 1.0, 2.0], [-1.5, -0.5, 0.5]]
    sim = measure.simulate_responses(thresholds=thr, n_persons=300, rng=8)
    data = sim.responses.copy()
    data.loc[data["item2"] == 2, "item2"] = 3  # nobody uses category 2 of item2
    with pytest.warns(NullCategoryWarning, match="item 'item2': category 2"):
        cal = measure.calibrate(data, model="pcm", null_categories="collapse")
    ref = reference_from_calibration(cal, created=CREATED)
    assert ref.category_map == {"item2": (0, 1, 1, 2)}
    assert ref.original_max_category("item2") == 3 and ref.top_category("item2") == 2
    result = score(data, ref, check_drift=False)
    np.testing.assert_allclose(result.persons["measure"], cal.persons["measure"])
    np.testing.assert_array_equal(result.persons["raw_score"], cal.persons["raw_score"])


# --------------------------------------------------------------------------------------------
# do the anchors still hold?
# --------------------------------------------------------------------------------------------


def test_drifted_items_are_flagged_and_the_others_not(drifted: Scoring):
    d = drifted.anchor_drift
    assert d.columns[:5].tolist() == ["item", "displacement", "se", "z", "drift"]
    assert d.loc[d["drift"], "item"].tolist() == SHIFTED
    shifted = d[d["item"].isin(SHIFTED)]
    others = d[~d["item"].isin(SHIFTED)]
    # with the other anchors fixed, 1 of the 9 others also moved: expected about 1 - 1/9
    assert shifted["displacement"].between(0.7, 1.1).all()
    assert (others["displacement"].abs() < 0.5).all()
    np.testing.assert_allclose(d["new_location"], d["anchor_location"] + d["displacement"])
    assert (d["se"] > 0).all() and (d["se"] < 0.15).all()
    np.testing.assert_allclose(d["se"], np.hypot(d["se_new"], d["se_reference"]))
    assert (d["se_reference"] > 0).all()
    assert drifted.summary()["drifting_items"] == SHIFTED
    fit = drifted.global_fit
    assert fit["df"] == 29 and fit["p_value"] < 1e-6


def test_displacement_is_the_anchored_calibration_of_one_item(ref: ReferenceScale):
    """Displacement = free the item's location (thresholds moving together), others anchored."""
    thr = THRESHOLDS.copy()
    thr[4] += 0.6
    sim = measure.simulate_responses(thresholds=thr, n_persons=400, rng=23)
    result = score(sim.responses, ref)
    row = result.anchor_drift.set_index("item").loc["item5"]
    # the same by brute force: maximise the conditional likelihood over the shift
    anchors = ref.anchors
    best = None
    for shift in np.linspace(row["displacement"] - 0.02, row["displacement"] + 0.02, 5):
        moved = anchors.copy()
        moved.loc[moved["item"] == "item5", "threshold"] += shift
        ll = measure.calibrate(sim.responses, anchors=moved).loglik
        if best is None or ll > best[1]:
            best = (shift, ll)
    assert best is not None and best[0] == pytest.approx(row["displacement"], abs=1e-9)


def test_no_drift_on_the_same_scale(ref: ReferenceScale):
    sim = measure.simulate_responses(thresholds=THRESHOLDS, n_persons=500, person_mean=-0.4, rng=24)
    result = score(sim.responses, ref)
    d = result.anchor_drift
    assert not d["drift"].any()
    assert (d["z"].abs() < 3).all()
    fit = result.global_fit
    assert fit["p_value"] > 0.05
    assert fit["chi2_adjusted"] == pytest.approx(
        fit["chi2"] / (1 + fit["n_new"] / fit["n_reference"])
    )


def test_tolerance_and_significance_both_needed(drifted: Scoring, ref: ReferenceScale):
    d = drifted.anchor_drift
    tol = float(d.loc[d["item"].isin(SHIFTED), "displacement"].min()) + 0.01
    thr = THRESHOLDS.copy()
    thr[[2, 7]] += 1.0
    sim = measure.simulate_responses(thresholds=thr, n_persons=500, person_mean=0.5, rng=22)
    strict = score(sim.responses, ref, drift_tolerance=tol, drift_policy="keep")
    assert strict.anchor_drift["drift"].sum() == 1
    small = score(sim.responses.iloc[:5], ref, drift_policy="keep").anchor_drift
    big = small["displacement"].abs() > 0.5
    np.testing.assert_array_equal(small["drift"], big & (small["z"].abs() > 1.96))
    assert (big & ~small["drift"]).sum() >= 3  # large displacements, not significant


def test_score_table_for_subsets(drifted: Scoring, ref: ReferenceScale):
    pd.testing.assert_frame_equal(drifted.score_table(), ref.score_table())
    pd.testing.assert_frame_equal(drifted.score_table(["item2"]), ref.score_table(["item2"]))


def test_fixed_reference_scores_like_known_parameters():
    ref = reference_from_thresholds(
        {f"i{k}": float(b) for k, b in enumerate([-1, 0, 1])}, model="rasch"
    )
    data = pd.DataFrame({"i0": [1, 1, 0], "i1": [1, 0, 0], "i2": [0, 0, 1]})
    per = score(data, ref).persons
    assert per["raw_score"].tolist() == [2, 1, 1]
    assert per.loc[1, "measure"] == pytest.approx(per.loc[2, "measure"])
    assert per.loc[0, "measure"] == pytest.approx(-per.loc[1, "measure"])


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path, ref: ReferenceScale) -> tuple[Path, Path]:
    ref_path = save_reference(ref, tmp_path / "ref.json")
    sim = measure.simulate_responses(thresholds=THRESHOLDS, n_persons=80, rng=25)
    data = sim.responses.astype("Int64")
    data.insert(0, "id", [f"p{i:03d}" for i in range(80)])
    data.insert(1, "kommun", ["A", "B"] * 40)
    data_path = tmp_path / "new.csv"
    data.to_csv(data_path, index=False)
    return data_path, ref_path


def test_cli_score_writes_persons_anchors_and_summary(files: tuple[Path, Path], tmp_path: Path):
    data_path, ref_path = files
    out = tmp_path / "out"
    res = CliRunner().invoke(
        score_cmd,
        [
            str(data_path),
            "--reference",
            str(ref_path),
            "--out",
            str(out),
            "--id-column",
            "id",
            "--group",
            "kommun",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "scored 80 rows" in res.output
    persons = pd.read_csv(out / "persons.csv")
    anchors = pd.read_csv(out / "anchors.csv")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(persons) == 80 and persons["person"].iloc[0] == "p000"
    assert persons.columns[:3].tolist() == ["person", "kommun", "row"]
    assert "measure_unit" in persons.columns
    assert anchors.columns[:5].tolist() == ["item", "displacement", "se", "z", "drift"]
    assert len(anchors) == 10
    assert summary["reference"]["content_hash"].startswith("sha256:")
    assert sum(summary["status_counts"].values()) == 80
    assert (out / "score_table.csv").exists()


def test_cli_score_refuses_an_edited_reference(files: tuple[Path, Path], tmp_path: Path):
    data_path, ref_path = files
    ref_path.write_text(
        ref_path.read_text(encoding="utf-8").replace('"pcm"', '"rsm"'), encoding="utf-8"
    )
    res = CliRunner().invoke(
        score_cmd, [str(data_path), "--reference", str(ref_path), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 1
    assert "does not match its content hash" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "o" / "persons.csv").exists()


def test_cli_score_usage_errors(files: tuple[Path, Path], tmp_path: Path):
    data_path, ref_path = files
    res = CliRunner().invoke(score_cmd, [str(data_path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--reference" in res.stderr
    res = CliRunner().invoke(
        score_cmd,
        [
            str(data_path),
            "--reference",
            str(ref_path),
            "--out",
            str(tmp_path / "o"),
            "--keep",
            "nope",
        ],
    )
    assert res.exit_code == 2 and "nope" in res.stderr


def test_global_fit_is_exact_cml_even_with_many_missing_patterns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The score test and the anchored log-likelihood are exact CML on every pattern, also where
    calibrate would choose the pairwise estimator (above AUTO_PAIRWISE_PATTERNS patterns; lowered
    here so that a small example has "many")."""
    from measure._estimation import cml
    from measure._estimation import items as items_module
    from measure._estimation.design import build_design

    monkeypatch.setattr(items_module, "AUTO_PAIRWISE_PATTERNS", 5)
    thr = [[-1.0, 0.0, 1.0]] * 6
    ref = measure.calibrate(
        measure.simulate_responses(thresholds=thr, n_persons=800, rng=21).responses,
        method="cml",
    ).to_reference()
    shifted = [list(np.array(t) + (1.0 if i == 3 else 0.0)) for i, t in enumerate(thr)]
    new = measure.simulate_responses(thresholds=shifted, n_persons=800, missing=0.2, rng=22)
    assert measure.calibrate(new.responses).method == "pairwise"
    result = measure.score(new.responses, ref, drift_policy="keep")
    fit = result.global_fit
    anchored = measure.calibrate(new.responses, anchors=ref.anchors, method="cml").loglik
    assert fit["anchored_loglik"] == pytest.approx(anchored, rel=1e-12)
    # the statistic from its definition, pattern by pattern
    values = result.responses.values
    max_cat = result.responses.max_category
    stats, _ = cml.count(values, max_cat)
    delta = result.calibration.thresholds["threshold"].to_numpy()
    design = build_design("pcm", max_cat, {}, list(result.responses.items))[0]
    a_map = cml.beta_to_delta_map(max_cat)
    grad = np.zeros(design.shape[1])
    info = np.zeros((design.shape[1],) * 2)
    for pat in stats.patterns:
        one = cml.SufficientStats(
            max_cat=max_cat,
            patterns=(pat,),
            category_counts=np.zeros_like(stats.category_counts),
            n_informative=0,
        )
        ev = cml.evaluate(one, delta, a_map, design, hessian=True)
        assert ev.info is not None
        grad += ev.grad
        info += ev.info
    grad += (a_map @ design).T @ stats.category_counts[:, 1:].reshape(-1)
    assert fit["chi2"] == pytest.approx(grad @ np.linalg.solve(info, grad), rel=1e-9)
    assert fit["df"] == 17 and fit["p_value_anchors_exact"] < 0.01


# --------------------------------------------------------------------------------------------
# drifting anchors are set aside (the default), never silently kept
# --------------------------------------------------------------------------------------------


def test_drifting_anchors_are_set_aside_by_default(
    ref: ReferenceScale, drifted_data: pd.DataFrame
) -> None:
    result = score(drifted_data, ref)
    assert result.drift_policy == "set_aside"
    assert sorted(result.items_set_aside) == SHIFTED
    table = result.anchor_drift
    assert table["item"].tolist() == list(ref.item_ids)  # every item, in reference order
    assert table.loc[~table["used"], "item"].tolist() == SHIFTED
    assert not table.loc[table["used"], "drift"].any()  # the anchors kept hold
    assert (table.loc[~table["used"], "displacement"] > 0.7).all()
    # the measures are those of the kept anchors alone
    kept = [i for i in ref.item_ids if i not in SHIFTED]
    alone = score(drifted_data, ref, items=kept, drift_policy="keep")
    np.testing.assert_allclose(result.persons["measure"], alone.persons["measure"], atol=1e-9)
    assert alone.items_left_out == tuple(SHIFTED) and alone.items_not_administered == ()
    answered = drifted_data[SHIFTED].notna().sum(axis=1).to_numpy()
    np.testing.assert_array_equal(result.persons["answers_set_aside"], answered)
    # items harder in the new data: keeping them would have lowered everyone's measure
    shift = result.set_aside_shift
    assert shift["difference"] < 0 and shift["ci_upper"] < 0
    summary = result.summary().to_dict()
    assert sorted(summary["items_set_aside"]) == SHIFTED
    assert summary["set_aside_shift"]["n"] > 400
    assert result.global_fit["df"] == 23  # the anchored model of the 8 kept items


def test_keep_policy_and_the_limit(ref: ReferenceScale, drifted_data: pd.DataFrame) -> None:
    kept = score(drifted_data, ref, drift_policy="keep")
    assert kept.items_set_aside == () and kept.anchor_drift["used"].all()
    assert "answers_set_aside" not in kept.persons.columns
    one = score(drifted_data, ref, max_set_aside=1)
    assert len(one.items_set_aside) == 1
    with pytest.raises(ValueError, match="drift_policy='drop' is not one of"):
        score(drifted_data, ref, drift_policy="drop")  # type: ignore[arg-type]


def test_the_instrument_minimum_scales_with_the_items_used() -> None:
    inst = measure.load_instrument("k6")
    thr = [[-1.0, -0.3, 0.4, 1.1]] * 6
    sim = measure.simulate_responses(
        n_persons=400, thresholds=thr, item_names=list(inst.item_ids), rng=8
    )
    ref = measure.calibrate(sim.responses, instrument=inst).to_reference()
    assert inst.min_answered == 5
    five = list(inst.item_ids[:5])
    result = score(sim.responses, ref, instrument=inst, items=five)
    assert result.min_answered == 4  # one item fewer may be skipped... of the five used
    explicit = score(sim.responses, ref, instrument=inst, items=five, min_answered=5)
    assert explicit.min_answered == 5


def test_cli_says_which_anchors_were_set_aside(
    ref: ReferenceScale, drifted_data: pd.DataFrame, tmp_path: Path
) -> None:
    data_path, ref_path = tmp_path / "wave.csv", tmp_path / "ref.json"
    drifted_data.to_csv(data_path, index_label="id")
    save_reference(ref, ref_path)
    base = [str(data_path), "--reference", str(ref_path), "--id-column", "id"]
    res = CliRunner().invoke(score_cmd, [*base, "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "Anchors set aside because they drifted" in res.output
    assert "item3" in res.output and "item8" in res.output
    assert "Keeping them would have moved the mean measure by -" in res.output
    persons = pd.read_csv(tmp_path / "a" / "persons.csv")
    anchors = pd.read_csv(tmp_path / "a" / "anchors.csv")
    assert persons["answers_set_aside"].max() == 2
    assert sorted(anchors.loc[~anchors["used"], "item"]) == SHIFTED
    kept = CliRunner().invoke(score_cmd, [*base, "--out", str(tmp_path / "b"), "--keep-drifting"])
    assert kept.exit_code == 0 and "(scored on them: --keep-drifting)" in kept.output
    some = [i for i in ref.item_ids if i != "item1"]
    items = [arg for i in some for arg in ("--items", i)]
    left = CliRunner().invoke(score_cmd, [*base, "--out", str(tmp_path / "c"), *items])
    assert left.exit_code == 0, left.output
    assert "Reference items left out (--items): item1" in left.output
    assert "not in the data" not in left.output


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_score_report_gives_the_verdicts_first(
    ref: ReferenceScale, drifted_data: pd.DataFrame, tmp_path: Path, lang: str
) -> None:
    data = drifted_data.assign(kommun=np.where(np.arange(len(drifted_data)) % 2, "Norrby", "Väst"))
    data_path, ref_path = tmp_path / "wave.csv", tmp_path / "ref.json"
    data.to_csv(data_path, index_label="id")
    save_reference(ref, ref_path)
    out = tmp_path / "out"
    args = [str(data_path), "--reference", str(ref_path), "--id-column", "id", "--group", "kommun"]
    res = CliRunner().invoke(score_cmd, [*args, "--out", str(out), "--report", "--lang", lang])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    summary_at = html.index('id="summary"')
    assert summary_at < html.index('id="groups"') < html.index('id="details"')
    question = "Håller ankarfrågorna fortfarande?" if lang == "sv" else "Do the anchors still hold?"
    assert question in html[summary_at:]
    assert "item3" in html and "item8" in html and "Norrby" in html
    words = ("lades åt sidan", "95 % KI") if lang == "sv" else ("were set aside", "95% CI")
    assert all(w in html for w in words)
    if lang == "sv":  # the verdicts in Swedish, no English sentences
        verdicts = html[summary_at : html.index('id="groups"')]
        assert "were set aside" not in verdicts and "Keeping them" not in verdicts


def test_the_reference_instrument_applies_without_being_passed() -> None:
    """A reference that names a shipped instrument scores with that instrument's labels, missing
    codes and minimum of answers, in the library as on the command line."""
    inst = measure.load_instrument("who5")
    data = pd.read_csv(Path(__file__).parents[2] / "examples" / "wellbeing_survey.csv")
    ref = measure.calibrate(data, id_column="id", instrument=inst, keep=["municipality"])
    reference = ref.to_reference(instrument=inst)
    plain = score(data, reference, id_column="id")
    explicit = score(data, reference, id_column="id", instrument=inst)
    assert plain.min_answered == explicit.min_answered == inst.min_answered
    pd.testing.assert_frame_equal(plain.persons, explicit.persons)
