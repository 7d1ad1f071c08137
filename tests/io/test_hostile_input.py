"""Hostile input to the reader and the gate (issue 12): no lost rows, no silent wrong results.

Each test names the case of the issue it holds: an unterminated quote (1), a file mixing
encodings (2), number forms in large files (3), short rows (4), column mappings without an
instrument (5), Excel formulas without a saved value (6), nested Parquet columns (12).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from measure.exceptions import InstrumentError, ResponseDataError
from measure.instrument import instrument_to_toml, load_instrument, parse_instrument
from measure.io import FAST_MIN_CHARS, read_table
from measure.responses import as_responses


def answers(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"p{i:03d}," + ",".join(map(str, rng.integers(0, 3, 4))) for i in range(n)]


# -- case 1: an unterminated quote -----------------------------------------------------------


@pytest.mark.parametrize("where", [3, 28])
def test_unterminated_quote_is_located_not_one_long_id(tmp_path: Path, where: int) -> None:
    lines = answers(30)
    lines[where] = '"' + lines[where]
    path = tmp_path / "quote.csv"
    path.write_text("id,q1,q2,q3,q4\n" + "\n".join(lines) + "\n")
    line = where + 2
    with pytest.raises(ResponseDataError, match=rf"line {line} opens a quoted value that is never"):
        read_table(path)


def test_quote_that_swallows_rows_is_refused(tmp_path: Path) -> None:
    lines = answers(30)
    lines[4] = lines[4].replace(",", ',"', 1)
    lines[9] = lines[9] + '"'
    path = tmp_path / "quote.csv"
    path.write_text("id,q1,q2,q3,q4\n" + "\n".join(lines) + "\n")
    with pytest.raises(ResponseDataError, match=r"starting on line 6 runs over 6 lines .*closing"):
        read_table(path)


def test_multiline_comment_in_quotes_is_still_one_cell(tmp_path: Path) -> None:
    path = tmp_path / "comment.csv"
    path.write_text('id,q1,comment\np1,1,"two lines,\nof text"\np2,0,x\n')
    raw = read_table(path)
    assert raw.data["comment"].tolist() == ["two lines,\nof text", "x"]


def test_text_after_a_closing_quote_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,q1\np1,"1"2\n')
    with pytest.raises(ResponseDataError, match=r"line 2 .*quoted value must be followed"):
        read_table(path)


# -- case 2: one Windows-1252 byte in a UTF-8 file -------------------------------------------


def test_mixed_encodings_are_refused_with_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    body = "id,municipality,q1\n" + "".join(f"p{i},Söderås,1\n" for i in range(300))
    path.write_bytes(body.encode("utf-8") + "p300,Söderås,2\n".encode("cp1252"))
    with pytest.raises(
        ResponseDataError, match=r"mixes text encodings: line 2 has UTF-8 .* line 302 has byte"
    ):
        read_table(path)


def test_pure_windows_1252_file_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes("id,municipality\np1,Söderås\np2,Norrby\n".encode("cp1252"))
    raw = read_table(path)
    assert raw.encoding == "cp1252"
    assert raw.data["municipality"].tolist() == ["Söderås", "Norrby"]


def test_given_encoding_reads_a_mixed_file_as_told(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,m\np1,ö\n".encode() + "p2,ö\n".encode("cp1252"))
    assert read_table(path, encoding="cp1252").data["m"].tolist() == ["Ã¶", "ö"]


# -- case 3: number forms on both sides of the engine switch ---------------------------------

ODD_NUMBERS = [
    "1e0",
    "2E0",
    ".0",
    "0e0",
    "1.0e0",
    "1e-400",
    "00000000000000000001",
    "2.00000000000000001",
    "1e400",
    "99999999999999999999999",
]


@pytest.mark.parametrize("odd", ODD_NUMBERS)
@pytest.mark.parametrize("n", [20, 12_000])
def test_odd_number_forms_are_refused_as_written_in_any_file_size(
    tmp_path: Path, odd: str, n: int
) -> None:
    lines = answers(n)
    lines[5] = f"p005,{odd},1,2,0"
    path = tmp_path / "odd.csv"
    path.write_text("id,q1,q2,q3,q4\n" + "\n".join(lines) + "\n")
    assert (path.stat().st_size >= FAST_MIN_CHARS) == (n > 1000)
    for engine in ("auto", "fast", "careful"):
        raw = read_table(path, numeric=True, engine=engine)  # type: ignore[arg-type]
        assert raw.data["q1"].iloc[5] == odd  # the text of the file, not a number
        with pytest.raises(ResponseDataError) as err:
            as_responses(raw.data, id_column="id", max_category=2, row_numbers=raw.row_numbers)
        assert f"row 7, person 'p005', column 'q1': value '{odd}' is not allowed" in str(err.value)


# -- case 4: short rows -------------------------------------------------------------------------


@pytest.mark.parametrize("n", [30, 12_000])
@pytest.mark.parametrize("engine", ["fast", "careful"])
def test_truncated_last_line_is_an_error(tmp_path: Path, n: int, engine: str) -> None:
    lines = answers(n)
    lines[-1] = lines[-1][:6]  # "p0xx,2"
    path = tmp_path / "cut.csv"
    path.write_text("id,q1,q2,q3,q4\n" + "\n".join(lines))
    with pytest.raises(
        ResponseDataError, match=rf"1 row\(s\) have fewer fields than the header's 5: row {n + 1}"
    ):
        read_table(path, engine=engine)  # type: ignore[arg-type]


def test_trailing_header_delimiter_does_not_make_rows_short(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,q1,q2,\np1,1,2\np2,0,1\n")
    assert read_table(path).data.shape == (2, 3)


# -- case 5: column mappings without an instrument ---------------------------------------------


def mapping_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": ["p1", "p2", "p3"], "q1": [1, 0, 1], "q2": [0, 1, 1], "q3": [1, 1, 0]}
    )


def test_mapping_an_item_to_the_id_column_is_an_error() -> None:
    with pytest.raises(ResponseDataError, match=r"id column 'id' cannot also be an item column"):
        as_responses(mapping_frame(), id_column="id", columns={"q1": "id"})


def test_mapping_an_item_to_another_item_column_does_not_drop_a_column() -> None:
    with pytest.raises(ResponseDataError, match=r"item 'q1' <- column 'q2' \(column 'q1' unused\)"):
        as_responses(mapping_frame(), id_column="id", columns={"q1": "q2"})


def test_mapping_a_renamed_column_still_works() -> None:
    frame = mapping_frame().rename(columns={"q1": "Fråga 1"})
    rm = as_responses(frame, id_column="id", columns={"q1": "Fråga 1"})
    assert rm.items == ("q1", "q2", "q3") and rm.columns == ("Fråga 1", "q2", "q3")


# -- case 7: instruments declare how codes map to categories (AUDIT 9-10: 0, 2, 4) -------------


def audit_frame(item9: list[object]) -> pd.DataFrame:
    n = len(item9)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {f"audit_{k}": rng.integers(0, 5, n).astype(str) for k in range(1, 9)}, dtype=object
    )
    frame.insert(0, "id", [f"p{i}" for i in range(n)])
    frame["audit_9"] = [str(v) for v in item9]
    frame["audit_10"] = [str(v) for v in reversed(item9)]
    return frame


def test_audit_items_9_and_10_are_read_through_their_code_map() -> None:
    audit = load_instrument("audit")
    assert audit.item("audit_9").codes == (0, 2, 4)
    assert audit.item("audit_9").data_codes == (0, 2, 4)
    assert audit.item("audit_1").codes is None
    assert audit.label_map("audit_9")["4"] == 2
    rm = as_responses(audit_frame([0, 2, 4, 4, 2, 0]), instrument=audit, id_column="id")
    assert rm.values[:, rm.items.index("audit_9")].tolist() == [0, 1, 2, 2, 1, 0]
    assert rm.max_category.tolist() == [4] * 8 + [2, 2]


def test_a_code_outside_the_map_is_refused_naming_the_data_codes() -> None:
    audit = load_instrument("audit")
    with pytest.raises(ResponseDataError) as err:
        as_responses(audit_frame([0, 1, 2, 4]), instrument=audit, id_column="id")
    text = str(err.value)
    assert "row 3, person 'p1', column 'audit_9': value '1' is not allowed" in text
    assert "(allowed: 0 = Nej / No; 2 = " in text and "; 4 = Ja, under det senaste" in text
    assert "'audit_9' reads its answers through the instrument's code map 0, 2, 4" in text
    assert "would discard all of these answers" in text


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ("[0, 2]", r"items\[0\].codes: gives 2 data code\(s\) for 3 categories"),
        ("[4, 2, 0]", r"codes must increase with the categories"),
        ("[0, 2, 2]", r"codes must increase"),
        ("[-1, 0, 1]", r"codes must be 0 or above"),
        ('"0,2,4"', r"items\[0\].codes: expected an array of whole numbers"),
    ],
)
def test_a_bad_code_map_is_located(codes: str, message: str) -> None:
    text = TOML_WITH_CODES.replace("codes = [0, 2, 4]", f"codes = {codes}")
    with pytest.raises(InstrumentError, match=message):
        parse_instrument(text, source="mine.toml")


def test_a_code_map_round_trips_and_may_not_hold_a_missing_code() -> None:
    inst = parse_instrument(TOML_WITH_CODES)
    assert parse_instrument(instrument_to_toml(inst)) == inst
    clash = TOML_WITH_CODES.replace("missing_codes = [9]", "missing_codes = [4]")
    with pytest.raises(InstrumentError, match=r"4 is also a category of item 'a9' \(code 2\)"):
        parse_instrument(clash)


TOML_WITH_CODES = """
id = "mine"
version = "1"
title = {en = "Mine"}
construct = {en = "Something"}
source = "Me"
licence = "CC0"
default_model = "pcm"
min_answered = 1
missing_codes = [9]

[[items]]
id = "a9"
codes = [0, 2, 4]

[[items.categories]]
code = 0
label = {en = "No"}

[[items.categories]]
code = 1
label = {en = "Yes, before"}

[[items.categories]]
code = 2
label = {en = "Yes, this year"}
"""


def test_the_refusal_of_code_like_values_says_what_missing_would_discard() -> None:
    frame = pd.DataFrame({"q1": ["0", "1", "2", "1"] * 5, "q2": ["0", "2", "4", "2"] * 5})
    with pytest.raises(ResponseDataError) as err:
        as_responses(frame, max_category=2)
    text = str(err.value)
    assert "5 of these cells hold whole numbers that look like answers in another coding" in text
    assert "'q2': 5 cells coded 4 (25% of its answers)" in text
    assert "would discard all of these answers" in text


def test_text_typos_keep_the_short_suggestion() -> None:
    frame = pd.DataFrame({"q1": ["0", "1", "x", "1"]})
    with pytest.raises(ResponseDataError, match=r"treat invalid cells as missing") as err:
        as_responses(frame, max_category=2)
    assert "discard" not in str(err.value)


# -- case 12: nested Parquet columns, deeply nested TOML ----------------------------------------


def test_a_parquet_list_column_is_a_located_error(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "lists.parquet"
    pd.DataFrame({"id": ["a", "b"], "q1": [[1, 2], [0]], "q2": [1, 0]}).to_parquet(path)
    with pytest.raises(ResponseDataError, match=r"lists\.parquet: 1 column\(s\) hold lists .*'q1'"):
        read_table(path)


def test_a_deeply_nested_instrument_is_an_instrument_error() -> None:
    deep = "x = " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(InstrumentError, match=r"deep\.toml: invalid TOML: .*nested too deeply"):
        parse_instrument(deep, source="deep.toml")


# -- case 13: every file the user names is read with a bound ------------------------------------


def test_a_device_is_not_read_as_data_instrument_or_reference(tmp_path: Path) -> None:
    from measure.exceptions import ReferenceScaleError
    from measure.reference import load_reference

    device = Path("/dev/zero")
    if not device.exists():
        pytest.skip("no /dev/zero")
    link = tmp_path / "zero.csv"
    link.symlink_to(device)
    with pytest.raises(ResponseDataError, match=r"not a regular file"):
        read_table(link)
    with pytest.raises(InstrumentError, match=r"not a regular file"):
        load_instrument(device)
    with pytest.raises(ReferenceScaleError, match=r"not a regular file"):
        load_reference(device)


def test_an_oversized_reference_is_refused_before_reading(tmp_path: Path) -> None:
    from measure import reference
    from measure.exceptions import ReferenceScaleError

    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.truncate(reference.MAX_REFERENCE_BYTES + 10)  # sparse: no disk used
    with pytest.raises(ReferenceScaleError, match=r"larger than 64 MB; this is not a reference"):
        reference.load_reference(path)


def test_an_instruments_reference_is_relative_to_the_instrument_only(tmp_path: Path) -> None:
    text = TOML_WITH_CODES.replace(
        "missing_codes = [9]", 'missing_codes = [9]\nreference = "/dev/zero"'
    )
    with pytest.raises(InstrumentError, match=r"reference: '/dev/zero' is an absolute path"):
        parse_instrument(text, source="mine.toml")
    relative = TOML_WITH_CODES.replace(
        "missing_codes = [9]", 'missing_codes = [9]\nreference = "ref.json"'
    )
    (tmp_path / "mine.toml").write_text(relative)
    inst = load_instrument(tmp_path / "mine.toml")
    assert inst.reference_file() == tmp_path / "ref.json"
    with pytest.raises(InstrumentError, match=r"not loaded from a file"):
        parse_instrument(relative).reference_file()


# -- case 14: a reference whose hash was recomputed after an edit -------------------------------


def forged(tmp_path: Path, edit: object, model: str = "pcm") -> Path:
    """A reference scale edited by hand and given a recomputed hash."""
    import json

    import measure
    from measure import reference

    sim = measure.simulate_responses(
        thresholds=[[-1.0, 0.5], [-0.5, 1.0], [0.0, 0.8], [-0.8, 0.2]], n_persons=300, rng=5
    )
    doc = measure.calibrate(sim.responses, model=model).to_reference().to_dict()  # type: ignore[arg-type]
    edit(doc["content"])  # type: ignore[operator]
    doc["content_hash"] = reference._hash(
        {
            "format": doc["format"],
            "format_version": doc["format_version"],
            "content": doc["content"],
        }
    )
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(doc))
    return path


def _set(table: str, row: int, key: str, value: object) -> object:
    def edit(content: dict[str, list[dict[str, object]]]) -> None:
        content[table][row][key] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("items", 0, "se", -0.1), r"item 'item1' has standard error -0.1, not a positive"),
        (_set("thresholds", 1, "se", 0.0), r"standard error 0.0, not a positive"),
        (_set("items", 2, "se", None), None),  # empty: an anchored value, allowed
        (_set("items", 2, "location", 3.0), r"item 'item3': location 3 is not the mean of its"),
        (_set("thresholds", 0, "threshold", 2.5), r"item 'item1': location .* is not the mean"),
    ],
)
def test_a_forged_reference_is_refused(tmp_path: Path, edit: object, message: str | None) -> None:
    from measure.exceptions import ReferenceScaleError
    from measure.reference import load_reference

    if message is None:
        load_reference(forged(tmp_path, edit))
        return
    with pytest.raises(ReferenceScaleError, match=r"forged\.json: the content is not a valid"):
        load_reference(forged(tmp_path, edit))
    with pytest.raises(ReferenceScaleError, match=message):
        load_reference(forged(tmp_path, edit))


def test_a_forged_model_that_does_not_fit_the_items_is_refused(tmp_path: Path) -> None:
    from measure.exceptions import ReferenceScaleError
    from measure.reference import load_reference

    def to_rasch(content: dict[str, object]) -> None:
        content["model"] = "rasch"

    with pytest.raises(ReferenceScaleError, match=r"the Rasch model needs two categories"):
        load_reference(forged(tmp_path, to_rasch))
    untouched = forged(tmp_path, lambda content: None, model="rsm")
    assert load_reference(untouched).model == "rsm"


# -- case 6: Excel formulas without a saved result --------------------------------------------


def test_formulas_without_a_saved_value_are_not_read_as_missing(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "q1", "q2"])
    for i in range(2, 6):
        sheet.append([f"p{i}", i % 3, f"=B{i}"])  # openpyxl saves no result for a formula
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    with pytest.raises(
        ResponseDataError,
        match=r"formulas\.xlsx \[Sheet\]: 4 cell\(s\) hold a formula whose result was never "
        r"saved.*row 2, column 'q2' \(C2\): =B2",
    ):
        read_table(path)


def test_formulas_with_saved_values_are_read_as_their_values(tmp_path: Path) -> None:
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "q1"])
    sheet.append(["p1", "=1+1"])
    path = tmp_path / "saved.xlsx"
    workbook.save(path)
    # what Excel writes: the formula with its result
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = parts[name].replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
    assert b"<v>2</v>" in parts[name]
    with zipfile.ZipFile(path, "w") as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
    assert read_table(path).data["q1"].tolist() == [2]
