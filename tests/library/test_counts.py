"""Calibration from counts made by a SQL engine (``measure.counts``; issue 6, large inputs).

The counting pass runs in DuckDB on Parquet (the out-of-core recipe of docs/out-of-core.md);
the estimates must equal ``measure.calibrate(method="cml")`` on the same data to 1e-6. Without
DuckDB, the same counts made with pandas keep the estimator and its checks tested.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import measure
from measure.counts import CountsCalibration, calibrate_counts, count_sql
from measure.exceptions import NullCategoryError, ResponseDataError
from measure.models import ModelName

#: six partial-credit items with four categories, locations -1.2..1.2
THRESHOLDS = np.linspace(-1.2, 1.2, 6)[:, None] + np.array([-0.9, 0.0, 0.9])[None, :]
ITEMS = [f"item{i + 1}" for i in range(6)]
TOL = 1e-6


def simulate(missing: float, seed: int, n_persons: int = 700) -> pd.DataFrame:
    sim = measure.simulate_responses(
        thresholds=THRESHOLDS, n_persons=n_persons, missing=missing, rng=seed
    )
    return sim.responses


def pandas_counts(data: pd.DataFrame, max_category: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables of ``count_sql``, made with pandas (what the SQL computes)."""
    answered = data[ITEMS].notna()
    pattern = answered.astype(int).astype(str).agg("".join, axis=1)
    raw = data[ITEMS].fillna(0).sum(axis=1).astype(int)
    top = answered.sum(axis=1) * max_category
    scores = (
        pd.DataFrame({"pattern": pattern, "raw_score": raw})
        .groupby(["pattern", "raw_score"])
        .size()
        .rename("n")
        .reset_index()
    )
    informative = data.loc[(raw > 0) & (raw < top), ITEMS]
    long = informative.melt(var_name="item", value_name="category").dropna()
    cats = long.groupby(["item", "category"]).size().rename("n").reset_index()
    return scores, cats


def duckdb_counts(
    source: str, items: list[str] = ITEMS, max_category: int | dict[str, int] = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    duckdb = pytest.importorskip("duckdb")
    score_sql, category_sql = count_sql(source, items, max_category)
    con = duckdb.connect()
    con.execute("SET memory_limit = '256MB'")
    try:
        return con.sql(score_sql).df(), con.sql(category_sql).df()
    finally:
        con.close()


def parquet(data: pd.DataFrame, path: Path) -> str:
    pytest.importorskip("pyarrow")
    data.to_parquet(path, index=False)
    return f"read_parquet('{path.as_posix()}')"


def assert_same(counts: CountsCalibration, cal: measure.Calibration) -> None:
    """Every quantity that counts determine, against the in-memory calibration, to 1e-6."""
    ct, rt = counts.thresholds, cal.thresholds
    assert ct["item"].tolist() == rt["item"].tolist()
    assert ct["category"].tolist() == rt["category"].tolist()
    assert list(ct.columns) == list(rt.columns)
    np.testing.assert_allclose(ct["threshold"], rt["threshold"], rtol=0, atol=TOL)
    np.testing.assert_allclose(ct["se"], rt["se"], rtol=0, atol=TOL)
    assert ct["anchored"].tolist() == rt["anchored"].tolist()
    if cal.model == "rsm":
        np.testing.assert_allclose(ct["tau"], rt["tau"], rtol=0, atol=TOL)
        np.testing.assert_allclose(ct["tau_se"], rt["tau_se"], rtol=0, atol=TOL)
    ci, ri = counts.items, cal.items
    assert ci["item"].tolist() == ri["item"].tolist()
    np.testing.assert_allclose(ci["location"], ri["location"], rtol=0, atol=TOL)
    np.testing.assert_allclose(ci["se"], ri["se"], rtol=0, atol=TOL)
    assert ci["n"].tolist() == ri["n"].tolist()
    assert ci["max_category"].tolist() == ri["max_category"].tolist()
    assert counts.loglik == pytest.approx(cal.loglik, abs=TOL)
    assert counts.n_persons == len(cal.persons)
    assert counts.n_patterns == cal.n_patterns
    assert counts.status_counts == cal.status_counts()
    assert counts.n_informative == cal.status_counts()["ok"]


# --------------------------------------------------------------------------------------------
# equality with calibrate
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["pcm", "rsm"])
@pytest.mark.parametrize("missing", [0.0, 0.2])
def test_duckdb_on_parquet_equals_calibrate(tmp_path: Path, model: ModelName, missing: float):
    data = simulate(missing, seed=11)
    scores, cats = duckdb_counts(parquet(data, tmp_path / "answers.parquet"))
    counts = calibrate_counts(scores, cats, items=ITEMS, max_category=3, model=model)
    assert_same(counts, measure.calibrate(data, model=model, method="cml"))


@pytest.mark.parametrize("model", ["pcm", "rsm"])
def test_pandas_counts_equal_calibrate(model: ModelName):
    """The estimator itself, without DuckDB."""
    data = simulate(0.2, seed=12)
    scores, cats = pandas_counts(data)
    counts = calibrate_counts(scores, cats, items=ITEMS, max_category=3, model=model)
    assert_same(counts, measure.calibrate(data, model=model, method="cml"))


def test_dichotomous_counts_equal_calibrate():
    sim = measure.simulate_responses(
        thresholds=[[-1.0], [-0.3], [0.4], [1.1]], n_persons=400, missing=0.1, rng=13
    )
    data = sim.responses
    data.columns = ITEMS[:4]
    score_sql, category_sql = count_sql("answers", ITEMS[:4], 1)
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("answers", data)
    counts = calibrate_counts(
        con.sql(score_sql).df(),
        con.sql(category_sql).df(),
        items=ITEMS[:4],
        max_category=1,
        model="rasch",
    )
    assert_same(counts, measure.calibrate(data, model="rasch", method="cml"))


def test_counts_of_partitions_can_be_concatenated(tmp_path: Path):
    """Rows with the same key are added: count each file on its own, concatenate the tables."""
    data = simulate(0.2, seed=14)
    first = duckdb_counts(parquet(data.iloc[:300], tmp_path / "a.parquet"))
    second = duckdb_counts(parquet(data.iloc[300:], tmp_path / "b.parquet"))
    scores = pd.concat([first[0], second[0]], ignore_index=True)
    cats = pd.concat([first[1], second[1]], ignore_index=True)
    assert scores.duplicated(["pattern", "raw_score"]).any()
    counts = calibrate_counts(scores, cats, items=ITEMS, max_category=3)
    assert_same(counts, measure.calibrate(data, method="cml"))


def test_anchored_counts_equal_anchored_calibrate():
    data = simulate(0.0, seed=15)
    anchors = pd.DataFrame(
        {"item": ["item1"] * 3, "category": [1, 2, 3], "threshold": THRESHOLDS[0].tolist()}
    )
    scores, cats = pandas_counts(data)
    counts = calibrate_counts(scores, cats, items=ITEMS, max_category=3, anchors=anchors)
    cal = measure.calibrate(data, method="cml", anchors=anchors)
    assert_same(counts, cal)
    assert counts.items["anchored"].tolist() == [True] + [False] * 5


def test_max_category_per_item_and_sql_quoting(tmp_path: Path):
    """Item names that need quoting, and different top categories per item."""
    names = ['it"em a', "it's b", "c"]
    sim = measure.simulate_responses(
        thresholds=[[-0.5, 0.5], [-1.0, 0.0, 1.0], [0.3]], n_persons=500, missing=0.1, rng=16
    )
    data = sim.responses
    data.columns = names
    tops = {'it"em a': 2, "it's b": 3, "c": 1}
    scores, cats = duckdb_counts(parquet(data, tmp_path / "q.parquet"), names, tops)
    counts = calibrate_counts(scores, cats, items=names, max_category=tops)
    assert_same(counts, measure.calibrate(data, method="cml"))


def test_count_sql_backtick_quoting_for_spark():
    score_sql, category_sql = count_sql("answers", ["q`1", "q2"], 4, quote="`")
    assert "`q``1`" in score_sql and '"' not in score_sql
    assert "CASE WHEN `q2` IS NULL THEN 0 ELSE 4 END" in category_sql
    with pytest.raises(ValueError, match=r"quote='\[' is not one of"):
        count_sql("answers", ["q1"], 4, quote="[")


# --------------------------------------------------------------------------------------------
# the reference scale and scoring chunk by chunk
# --------------------------------------------------------------------------------------------


def test_reference_scores_persons_chunk_by_chunk_as_calibrate(tmp_path: Path):
    duckdb = pytest.importorskip("duckdb")
    data = simulate(0.2, seed=17, n_persons=5000)
    data.insert(0, "person", [f"p{i}" for i in range(len(data))])
    source = parquet(data, tmp_path / "answers.parquet")
    scores, cats = duckdb_counts(source)
    counts = calibrate_counts(scores, cats, items=ITEMS, max_category=3)
    ref = counts.to_reference(created="2024-01-01T00:00:00+00:00")
    cal = measure.calibrate(data, id_column="person", method="cml")
    np.testing.assert_allclose(ref.items["se"], cal.items["se"], rtol=0, atol=TOL)
    assert ref.sample["status_counts"] == cal.status_counts()
    assert ref.calibration["method"] == "CML"

    con = duckdb.connect()
    result = con.execute(f"SELECT * FROM {source}")
    parts, start = [], 0
    while True:
        chunk = result.fetch_df_chunk(1)  # 2048 rows at a time
        if chunk.empty:
            break
        rows = np.arange(start, start + len(chunk)) + 2  # the header is row 1
        parts.append(
            measure.score(
                chunk, ref, id_column="person", check_drift=False, row_numbers=rows
            ).persons
        )
        start += len(chunk)
    assert len(parts) == 3
    persons = pd.concat(parts, ignore_index=True)
    expected = cal.persons
    assert persons["person"].tolist() == expected["person"].tolist()
    assert persons["row"].tolist() == expected["row"].tolist()
    assert persons["status"].tolist() == expected["status"].tolist()
    for column in ("measure", "se", "mle"):
        np.testing.assert_allclose(persons[column], expected[column], rtol=0, atol=TOL)


def test_reference_keeps_anchor_uncertainty_for_drift():
    data = simulate(0.0, seed=18)
    counts = calibrate_counts(*pandas_counts(data), items=ITEMS, max_category=3)
    ref = counts.to_reference(reporting_unit="0-100")
    drift = measure.score(simulate(0.0, seed=19, n_persons=300), ref).anchor_drift
    np.testing.assert_allclose(drift["se_reference"], counts.items["se"], rtol=0, atol=1e-12)
    assert (drift["se_reference"] > 0).all()
    with pytest.raises(measure.ReferenceScaleError, match="'mean50_sd10' needs a calibration"):
        counts.to_reference(reporting_unit="mean50_sd10")


# --------------------------------------------------------------------------------------------
# input errors
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pandas_counts(simulate(0.2, seed=20))


def run(scores: pd.DataFrame, cats: pd.DataFrame, **kwargs: object) -> CountsCalibration:
    options: dict[str, object] = {"items": ITEMS, "max_category": 3, **kwargs}
    return calibrate_counts(scores, cats, **options)  # type: ignore[arg-type]


def test_missing_column(tables):
    scores, cats = tables
    with pytest.raises(ResponseDataError, match=r"score_counts: column\(s\) 'n' not found"):
        run(scores.drop(columns="n"), cats)
    with pytest.raises(ResponseDataError, match=r"category_counts: column\(s\) 'category' not"):
        run(scores, cats.rename(columns={"category": "cat"}))
    with pytest.raises(ResponseDataError, match="score_counts must be a pandas DataFrame"):
        run(scores.to_numpy(), cats)  # type: ignore[arg-type]


def test_bad_pattern(tables):
    scores, cats = tables
    bad = scores.copy()
    bad.loc[2, "pattern"] = "11011"
    with pytest.raises(
        ResponseDataError,
        match=r"score_counts: column 'pattern': needs text of 6 '0'/'1' flags.*1 row\(s\): "
        r"row 2 \(pattern '11011', raw_score",
    ):
        run(bad, cats)
    as_numbers = scores.assign(pattern=scores["pattern"].astype(int))
    with pytest.raises(ResponseDataError, match=r"leading zeros: read the column as text"):
        run(as_numbers, cats)


def test_bad_raw_score_and_n(tables):
    scores, cats = tables
    bad = scores.astype({"raw_score": float})
    bad.loc[3, "raw_score"] = 2.5
    with pytest.raises(
        ResponseDataError,
        match=r"column 'raw_score': needs whole numbers >= 0; 1 row\(s\): row 3 \(pattern "
        r"'\d{6}', raw_score 2.5",
    ):
        run(bad, cats)
    bad = scores.copy()
    bad.loc[0, "raw_score"] = 3 * bad.loc[0, "pattern"].count("1") + 1
    with pytest.raises(ResponseDataError, match=r"raw_score': above the largest possible score"):
        run(bad, cats)
    bad = scores.copy()
    bad["n"] = -1
    with pytest.raises(
        ResponseDataError,
        match=rf"column 'n': needs whole numbers >= 0; {len(bad)} row\(s\) "
        r"\(first 5 listed\): row 0 ",
    ):
        run(bad, cats)


def test_bad_category_rows(tables):
    scores, cats = tables
    bad = cats.copy()
    bad.loc[1, "item"] = "zz"
    with pytest.raises(
        ResponseDataError,
        match=r"category_counts: column 'item': unknown item \(items: item1, .*row 1 "
        r"\(item 'zz', category",
    ):
        run(scores, bad)
    bad = cats.copy()
    bad.loc[0, "category"] = 4
    with pytest.raises(
        ResponseDataError,
        match=r"column 'category': category above the item's max_category .*row 0 \(item "
        r"'item1', category 4",
    ):
        run(scores, bad)


def test_unfiltered_category_counts_are_refused():
    data = simulate(0.2, seed=21)
    scores, _ = pandas_counts(data)
    everyone = data[ITEMS].melt(var_name="item", value_name="category").dropna()
    cats = everyone.groupby(["item", "category"]).size().rename("n").reset_index()
    with pytest.raises(
        ResponseDataError,
        match=r"category_counts do not match score_counts for 6 item\(s\).*item 'item1': \d+ "
        r"in category_counts, \d+ implied.*raw_score > 0 AND raw_score < max_score",
    ):
        run(scores, cats)


def test_category_counts_that_do_not_add_up_to_the_raw_scores(tables):
    scores, cats = tables
    bad = cats.copy()
    one = (bad["item"] == "item1") & (bad["category"] == 1)
    two = (bad["item"] == "item1") & (bad["category"] == 2)
    bad.loc[one, "n"] -= 1
    bad.loc[two, "n"] += 1  # the item's total is unchanged
    with pytest.raises(ResponseDataError, match=r"answers add up to \d+ .* raw scores to \d+"):
        run(scores, bad)


def test_null_category():
    data = simulate(0.2, seed=22)
    data["item2"] = data["item2"].clip(upper=2)  # category 3 is never used
    with pytest.raises(
        NullCategoryError, match=r"1 response category without .*\n  item 'item2', category 3\n"
    ):
        run(*pandas_counts(data))


def test_no_informative_persons():
    scores = pd.DataFrame({"pattern": ["111111", "111111"], "raw_score": [0, 18], "n": [5, 7]})
    cats = pd.DataFrame({"item": [], "category": [], "n": []})
    with pytest.raises(ResponseDataError, match="no informative persons"):
        run(scores, cats)


def test_bad_arguments(tables):
    scores, cats = tables
    with pytest.raises(ValueError, match=r"model='2pl' is not one of 'rasch', 'rsm', 'pcm'"):
        run(scores, cats, model="2pl")
    with pytest.raises(ResponseDataError, match="model 'rasch' needs dichotomous items"):
        run(scores, cats, model="rasch")
    with pytest.raises(ValueError, match=r"max_category has no top category for item\(s\) 'item6'"):
        run(scores, cats, max_category={i: 3 for i in ITEMS[:5]})
    with pytest.raises(ValueError, match=r"max_category for item 'item1' must be a whole number"):
        run(scores, cats, max_category=0)
    with pytest.raises(ValueError, match=r"duplicate item id\(s\) in items: 'item1'"):
        run(scores, cats, items=["item1", *ITEMS])
