"""Table schemas (measure/schemas.py): the one declaration of every written table.

(a) the generated column tables in the docs are up to date; (b) the library's real tables
(calibrate with rasch, rsm and pcm, score, compare, DIF, linking) have exactly the declared
columns, in order, with the declared types; (c) the CSV headers the CLI writes are the schema's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import measure
from measure import schemas as S
from measure.cli.main import cli
from measure.cli.report import dif_csv_table
from measure.comparison import compare, decision_risk
from measure.diagnostics import dif_analysis
from measure.linking import link
from measure.results import reference_from_calibration
from measure.scoring import score
from measure.status import PersonStatus

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "input-and-output.md", ROOT / "README.md"]
ITEMS = [f"q{i}" for i in range(1, 7)]
LOC = np.linspace(-1.5, 1.5, len(ITEMS))
THRESHOLDS = {
    "rasch": [[b] for b in LOC],
    "rsm": [[b - 1.0, b, b + 1.0] for b in LOC],
    "pcm": [[b - 1.2, b + 0.3, b + 0.9] for b in LOC],
}


def data(model: str, n: int = 300, seed: int = 1) -> pd.DataFrame:
    sim = measure.simulate_responses(
        thresholds=THRESHOLDS[model], n_persons=n, item_names=ITEMS, missing=0.2, rng=seed
    )
    frame = sim.responses.astype("Int64")
    frame.iloc[0, :] = pd.NA  # no answers
    frame.iloc[1, 1:] = pd.NA  # one answer
    frame.insert(0, "id", [f"p{i:03d}" for i in range(n)])
    frame["region"] = np.where(np.arange(n) % 2 == 0, "north", "south")
    return frame


@pytest.fixture(scope="module")
def calibrations() -> dict[str, measure.Calibration]:
    return {
        m: measure.calibrate(data(m), id_column="id", model=m, exclude=["region"], min_answered=2)
        for m in THRESHOLDS
    }


# ----------------------------------------------------------------------------- the declarations


def test_every_schema_is_well_formed() -> None:
    for name, schema in S.SCHEMAS.items():
        assert schema.name == name
        assert schema.columns, name
        for col in schema.columns:
            assert col.meaning, f"{name}.{col.name} has no meaning"
        # the empty table of every part passes its own check
        parts = [p.name for p in schema.parts if p.name not in ("below",)]
        variable = ["extra"] if schema.slot is not None else []
        empty = schema.empty(*parts, variable=variable)
        assert schema.check(empty, parts=parts, variable=variable) is empty


def test_reserved_person_columns_are_every_declared_persons_column() -> None:
    assert set(S.PERSONS.names()) <= S.RESERVED_PERSON_COLUMNS
    assert {"measure_unit", "se_unit", "ci_lower_unit", "ci_upper_unit", "link_se"} <= (
        S.RESERVED_PERSON_COLUMNS
    )
    S.check_kept_names(["municipality", "age"])
    with pytest.raises(ValueError, match=r"keep column\(s\) 'se', 'reason' have the name"):
        S.check_kept_names(["municipality", "se", "reason"])


def test_names_places_parts_and_user_columns() -> None:
    assert S.THRESHOLDS.names() == ("item", "category", "threshold", "se", "anchored")
    assert S.THRESHOLDS.names("rsm")[-2:] == ("tau", "tau_se")
    names = S.PERSONS.names("unit", variable=["kommun", "kön"])
    assert names[:4] == ("person", "kommun", "kön", "row")
    assert names[-4:] == ("measure_unit", "se_unit", "ci_lower_unit", "ci_upper_unit")
    with pytest.raises(ValueError, match=r"unknown part\(s\) 'tau'"):
        S.THRESHOLDS.names("tau")
    with pytest.raises(ValueError, match="no user columns"):
        S.ITEMS.names(variable=["x"])


def test_check_names_every_difference(calibrations: dict[str, measure.Calibration]) -> None:
    persons = calibrations["pcm"].persons
    swapped = persons[["row", "person", *persons.columns[2:]]]
    with pytest.raises(S.SchemaError, match=r"persons: columns differ .*order row, person"):
        S.PERSONS.check(swapped)
    with pytest.raises(S.SchemaError, match=r"missing reason"):
        S.PERSONS.check(persons.drop(columns="reason"), variable=[])
    with pytest.raises(S.SchemaError, match=r"'row' is float64, expected int"):
        S.PERSONS.check(persons.astype({"row": float}))
    with pytest.raises(S.SchemaError, match=r"'status' has value\(s\) 'fine'"):
        S.PERSONS.check(persons.assign(status="fine"))
    with pytest.raises(S.SchemaError, match=r"items: undeclared column\(s\) 'extra'"):
        S.ITEMS.check(calibrations["pcm"].items.assign(extra=1))


def test_order_puts_columns_in_place(calibrations: dict[str, measure.Calibration]) -> None:
    persons = calibrations["pcm"].persons
    shuffled = persons.assign(region="x")[list(reversed([*persons.columns, "region"]))]
    ordered = S.PERSONS.order(shuffled)
    assert list(ordered.columns) == list(S.PERSONS.names(variable=["region"]))
    assert S.PERSONS.order(persons) is persons
    with pytest.raises(S.SchemaError, match="missing se"):
        S.PERSONS.order(persons.drop(columns="se"), variable=[])


def test_frame_builds_a_checked_table_in_order() -> None:
    cols = {"anchored": [False], "item": ["a"], "category": [1], "threshold": [0.5], "se": [0.1]}
    thr = S.THRESHOLDS.frame(cols)
    assert list(thr.columns) == list(S.THRESHOLDS.names())
    with pytest.raises(S.SchemaError, match=r"thresholds: missing tau, tau_se"):
        S.THRESHOLDS.frame(cols, "rsm")
    with pytest.raises(S.SchemaError, match=r"undeclared extra"):
        S.THRESHOLDS.frame({**cols, "extra": [1]})
    with pytest.raises(S.SchemaError, match=r"'category' is float64, expected int"):
        S.THRESHOLDS.frame({**cols, "category": [1.0]})


def test_names_after_and_dtypes() -> None:
    assert S.COMPARE_GROUP_CHANGE.names_after("to_occasion")[:3] == ("n_pre", "n_post", "n_pairs")
    assert S.PERSONS.names_after("reason", "unit")[0] == "measure_unit"
    assert S.SCORE_TABLE.dtypes() == {
        "raw_score": "int",
        "wle": "float",
        "wle_se": "float",
        "mle": "float",
        "mle_se": "float",
    }
    with pytest.raises(KeyError, match="no column 'tau'"):
        S.THRESHOLDS.names_after("tau")


# ----------------------------------------------------------------------------- (a) the docs


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_docs_tables_are_generated_from_the_schemas(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<!-- schema:" in text
    assert S.fill_docs(text) == text, f"{path.name} is out of date: run python docs/make_tables.py"


def test_docs_describe_every_schema() -> None:
    text = DOCS[0].read_text(encoding="utf-8")
    for name in S.SCHEMAS:
        assert f"<!-- schema:{name} -->" in text, name
    for command in S.COMMAND_TABLES:
        for schema in S.COMMAND_TABLES[command]:
            assert schema.file is not None


def test_fill_docs_regenerates_a_stale_block() -> None:
    stale = "a\n<!-- schema:score_table -->\nold\n<!-- /schema:score_table -->\nb\n"
    new = S.fill_docs(stale)
    assert "old" not in new and "| `wle_se` | float | logits |" in new
    assert new.startswith("a\n<!-- schema:score_table -->\n") and new.endswith("-->\nb\n")
    with pytest.raises(KeyError, match="unknown schema marker 'nope'"):
        S.fill_docs("<!-- schema:nope -->\n<!-- /schema:nope -->")


# ----------------------------------------------------------------------------- (b) the library


@pytest.mark.parametrize("model", ["rasch", "rsm", "pcm"])
def test_calibrate_tables_conform(calibrations: dict[str, measure.Calibration], model: str) -> None:
    cal = calibrations[model]
    S.ITEMS.check(cal.items, parts=["conditional"], variable=[])
    S.THRESHOLDS.check(cal.thresholds, parts=["rsm"] if model == "rsm" else [], variable=[])
    S.PERSONS.check(cal.persons, parts=[], variable=[])
    S.SCORE_TABLE.check(cal.score_table(), parts=[], variable=[])
    # every status is there, with persons without a measure: the types hold for them too
    assert set(cal.persons["status"]) == {s.value for s in PersonStatus}
    assert cal.persons["measure"].iloc[:2].isna().all()


def test_anchored_calibration_conforms(calibrations: dict[str, measure.Calibration]) -> None:
    cal = calibrations["pcm"]
    again = measure.calibrate(
        data("pcm", seed=2), id_column="id", exclude=["region"], anchors=cal.thresholds
    )
    S.ITEMS.check(again.items, parts=["conditional"], variable=[])
    S.THRESHOLDS.check(again.thresholds, parts=[], variable=[])


@pytest.mark.parametrize("model", ["rsm", "pcm"])
def test_score_tables_conform(calibrations: dict[str, measure.Calibration], model: str) -> None:
    plain = reference_from_calibration(calibrations[model])
    unit = reference_from_calibration(calibrations[model], reporting_unit="mean50_sd10")
    new = data(model, n=120, seed=3)
    s = score(new, plain, id_column="id", keep=["region"])
    S.PERSONS.check(s.persons, parts=[], variable=["region"])
    S.ANCHORS.check(s.anchor_drift, parts=[], variable=[])
    S.SCORE_TABLE.check(s.score_table(), parts=[], variable=[])
    u = score(new, unit, id_column="id")
    S.PERSONS.check(u.persons, parts=["unit"], variable=[])
    S.SCORE_TABLE.check(u.score_table(), parts=["unit"], variable=[])


def test_score_rejects_a_kept_column_named_as_a_persons_column(
    calibrations: dict[str, measure.Calibration],
) -> None:
    ref = reference_from_calibration(calibrations["pcm"])
    new = data("pcm", n=20).rename(columns={"region": "reason"})
    with pytest.raises(ValueError, match=r"'reason' have the name of a persons column"):
        score(new, ref, id_column="id", keep=["reason"])


def test_linked_persons_conform(calibrations: dict[str, measure.Calibration]) -> None:
    ref = reference_from_calibration(calibrations["pcm"], reporting_unit="mean50_sd10")
    new = measure.calibrate(data("pcm", n=200, seed=5), id_column="id", exclude=["region"])
    linked = link(new, ref).apply(new.persons)
    S.PERSONS.check(linked, parts=["link"], variable=[])
    S.PERSONS.check(ref.with_unit(linked), parts=["link", "unit", "link_unit"], variable=[])


def test_dif_tables_conform(calibrations: dict[str, measure.Calibration]) -> None:
    for model in ("rasch", "pcm"):
        cal = calibrations[model]
        result = dif_analysis(cal, data(model)["region"])
        S.DIF.check(result.table, parts=[], variable=[])
        S.DIF_GROUPS.check(result.groups, parts=[], variable=[])
        S.DIF_CSV.check(dif_csv_table(result), parts=[], variable=[])


@pytest.mark.parametrize("paired", [True, False])
def test_compare_tables_conform(calibrations: dict[str, measure.Calibration], paired: bool) -> None:
    ref = reference_from_calibration(calibrations["pcm"])
    pre = score(
        data("pcm", n=150, seed=6), ref, id_column="id", keep=["region"], check_drift=False
    ).persons
    post = score(
        data("pcm", n=150, seed=7), ref, id_column="id", keep=["region"], check_drift=False
    ).persons
    result = compare({"pre": pre, "post": post}, by="region", paired=paired, threshold=0.0)
    tables = result.tables()
    expected = {"groups", "group_change", "decision_persons", "shares", "share_change"}
    assert set(tables) == expected | ({"individual_change"} if paired else set())
    for name, table in tables.items():
        S.SCHEMAS[name].check(
            table, parts=["above"] if name == "decision_persons" else [], variable=["region"]
        )
    plain = compare({"pre": pre, "post": post}, paired=paired)
    S.COMPARE_GROUPS.check(plain.groups, parts=[], variable=[])
    pre_w, post_w = pre.assign(w=1.5), post.assign(w=2.0)
    weighted = compare({"pre": pre_w, "post": post_w}, paired=paired, weight="w")
    S.COMPARE_GROUPS.check(weighted.groups, parts=["weighted"], variable=[])
    S.COMPARE_GROUP_CHANGE.check(plain.group_change, parts=[], variable=[])
    below = decision_risk(pre, 0.0, direction="below").persons
    S.COMPARE_DECISION_PERSONS.check(
        below.assign(occasion="pre")[["occasion", *below.columns]], parts=["below"], variable=[]
    )


# ----------------------------------------------------------------------------- (c) the CLI


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig") as f:
        return f.readline().rstrip("\r\n").split(",")


@pytest.fixture(scope="module")
def cli_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("schemas")
    for model in ("rsm", "pcm"):
        data(model, n=200).to_csv(root / f"{model}.csv", index=False)
    persons = root / "score" / "persons.csv"
    commands = [
        f"calibrate {root / 'pcm.csv'} --id-column id --items {','.join(ITEMS)} "
        f"--out {root / 'cal_pcm'}",
        f"calibrate {root / 'rsm.csv'} --id-column id --model rsm --keep region --dif region "
        f"--unit-intercept 50 --unit-slope 10 --save-reference {root / 'ref.json'} "
        "--diagnostics --bootstrap 10 --seed 3 "
        f"--out {root / 'cal_rsm'}",
        f"score {root / 'rsm.csv'} --reference {root / 'ref.json'} --id-column id "
        f"--keep region --out {root / 'score'}",
        f"compare {persons} {persons} --labels pre,post --paired --group region "
        f"--threshold 55 --unit --out {root / 'cmp'}",
        f"compare {persons} {persons} --labels pre,post --threshold 0 --below "
        f"--out {root / 'cmp_below'}",
    ]
    for command in commands:
        args = [*command.split(), "--quiet"]  # the temporary paths hold no spaces
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return root


def test_calibrate_csv_headers_are_the_schemas(cli_outputs: Path) -> None:
    out = cli_outputs / "cal_pcm"
    assert _header(out / "items.csv") == list(S.ITEMS.names("conditional"))
    assert _header(out / "thresholds.csv") == list(S.THRESHOLDS.names())
    assert _header(out / "persons.csv") == list(S.PERSONS.names())
    assert _header(out / "score_table.csv") == list(S.SCORE_TABLE.names())
    out = cli_outputs / "cal_rsm"
    assert _header(out / "thresholds.csv") == list(S.THRESHOLDS.names("rsm"))
    assert _header(out / "persons.csv") == list(S.PERSONS.names("unit", variable=["region"]))
    assert _header(out / "score_table.csv") == list(S.SCORE_TABLE.names("unit"))
    assert _header(out / "dif.csv") == list(S.DIF_CSV.names())
    assert _header(out / "items.csv") == list(S.ITEMS.names("conditional", "simulated"))
    for schema in (S.RESTSCORE, S.LOCAL_DEPENDENCE, S.CATEGORIES, S.DIMENSIONALITY):
        assert schema.file is not None
        assert _header(out / f"{schema.file}.csv") == list(schema.names()), schema.name
    written = {p.stem for p in out.glob("*.csv")}
    assert written == {s.file for s in S.COMMAND_TABLES["calibrate"]}


def test_score_csv_headers_are_the_schemas(cli_outputs: Path) -> None:
    out = cli_outputs / "score"
    assert _header(out / "persons.csv") == list(S.PERSONS.names("unit", variable=["region"]))
    assert _header(out / "anchors.csv") == list(S.ANCHORS.names())
    assert _header(out / "score_table.csv") == list(S.SCORE_TABLE.names("unit"))
    assert {p.stem for p in out.glob("*.csv")} == {s.file for s in S.COMMAND_TABLES["score"]}


def test_compare_csv_headers_are_the_schemas(cli_outputs: Path) -> None:
    out = cli_outputs / "cmp"
    by = ["region"]
    for schema in S.COMMAND_TABLES["compare"]:
        parts = ["above"] if schema is S.COMPARE_DECISION_PERSONS else []
        assert schema.file is not None
        assert _header(out / f"{schema.file}.csv") == list(schema.names(*parts, variable=by))
    out = cli_outputs / "cmp_below"
    assert not (out / "individual_change.csv").exists()
    assert _header(out / "decision_persons.csv") == list(S.COMPARE_DECISION_PERSONS.names("below"))
    assert _header(out / "groups.csv") == list(S.COMPARE_GROUPS.names())


@pytest.mark.parametrize("name", ["reason", "link_se", "measure_unit"])
def test_cli_rejects_a_kept_column_with_a_reserved_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / "data.csv"
    data("pcm", n=30).rename(columns={"region": name}).to_csv(path, index=False)
    args = ["calibrate", str(path), "--id-column", "id", "--keep", name, "--out", str(tmp_path)]
    result = CliRunner().invoke(cli, [*args, "--quiet"])
    assert result.exit_code == 2
    assert f"column(s) '{name}' have the name of a persons.csv column" in result.output
