"""The input gate ``as_responses``: labels, codes, missing codes, reverse keys, located errors."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

import measure
from measure.exceptions import ResponseDataError
from measure.instrument import Category, Instrument, Item, load_instrument
from measure.responses import MAX_CODE, MAX_LISTED, ResponseMatrix, as_responses

WHO5 = load_instrument("who5")
SV = [c.labels["sv"] for c in WHO5.items[0].categories]  # "Inte någon gång" ... "Hela tiden"
EN = [c.labels["en"] for c in WHO5.items[0].categories]


def tiny_instrument(*, reverse: bool = False) -> Instrument:
    cats = (
        Category(0, {"sv": "Instämmer inte alls", "en": "Strongly disagree"}),
        Category(1, {"sv": "Instämmer delvis", "en": "Partly agree"}),
        Category(2, {"sv": "Instämmer helt", "en": "Strongly agree"}),
    )
    return Instrument(
        id="tiny",
        version="1",
        title={"en": "Tiny"},
        construct={"en": "Agreement"},
        source="Test",
        licence="CC0",
        items=(Item("a", {}, False, cats), Item("b", {}, reverse, cats)),
        missing_codes=(9, "Vet ej"),
        default_model="pcm",
        min_answered=1,
    )


# ----------------------------------------------------------------------------- coding


def test_labels_in_either_language_any_case_and_spacing() -> None:
    df = pd.DataFrame(
        {
            "who5_1": [SV[0], "  hela   TIDEN ", EN[2].upper(), "3", 4, 5.0],
            **{f"who5_{k}": [0, 1, 2, 3, 4, 5] for k in range(2, 6)},
        }
    )
    rm = as_responses(df, instrument=WHO5)
    assert rm.values[:, 0].tolist() == [0, 5, 2, 3, 4, 5]
    assert rm.items == WHO5.item_ids
    assert rm.max_category.tolist() == [5] * 5


def test_labels_in_decomposed_unicode_match() -> None:
    nfd = unicodedata.normalize("NFD", "Största delen av tiden")
    assert nfd != "Största delen av tiden"
    df = pd.DataFrame({f"who5_{k}": [nfd, "0"] for k in range(1, 6)})
    assert as_responses(df, instrument=WHO5).values[0].tolist() == [4] * 5


def test_numbers_are_shifted_by_min_category_but_labels_are_not() -> None:
    df = pd.DataFrame({"a": ["1", "Instämmer helt", 2], "b": [3, "instämmer inte alls", "2"]})
    rm = as_responses(df, instrument=tiny_instrument(), min_category=1)
    assert rm.values.tolist() == [[0, 2], [2, 0], [1, 1]]


def test_missing_codes_compare_with_the_value_in_the_data() -> None:
    df = pd.DataFrame({"a": [1, 9, "Vet ej", " vet  EJ", None, ""], "b": [0, 1, 2, 0, 1, 9.0]})
    rm = as_responses(df, instrument=tiny_instrument())
    assert rm.values.tolist() == [[1, 0], [-1, 1], [-1, 2], [-1, 0], [-1, 1], [-1, -1]]
    # 9 is missing even when codes start at 1 (9 - 1 = 8 is not looked at)
    df1 = pd.DataFrame({"q": [1, 2, 9, 3]})
    assert as_responses(df1, min_category=1, missing_codes=["9"]).values.ravel().tolist() == [
        0,
        1,
        -1,
        2,
    ]


def test_decimal_comma_codes() -> None:
    df = pd.DataFrame({"q1": ["1,0", "2", "0,0"], "q2": ["1", "0", "1,00"]})
    assert as_responses(df, decimal=",").values.tolist() == [[1, 1], [2, 0], [0, 1]]
    with pytest.raises(ResponseDataError, match=r"row 2, person '1', column 'q1': value '1,0'"):
        as_responses(df)  # decimal point: "1,0" is not a number


def test_excel_float_text_is_a_code_with_either_decimal() -> None:
    df = pd.DataFrame({"q": pd.Series([1.0, "2", 0], dtype=object)})
    assert as_responses(df, decimal=",").values.ravel().tolist() == [1, 2, 0]


def test_not_codes_are_invalid() -> None:
    df = pd.DataFrame(
        {"q": pd.Series(["2.5", "inf", "nan", "1e3", "-1", "100", "x", True, 1], dtype=object)}
    )
    rm = as_responses(df, invalid="missing")
    assert [c.value for c in rm.invalid] == ["2.5", "inf", "nan", "1e3", "-1", "100", "x", "True"]
    assert rm.values.ravel().tolist() == [-1] * 8 + [1]
    assert rm.invalid[0].allowed == f"integers 0..{MAX_CODE}; or an empty cell"


def test_boolean_cells_are_not_merged_with_codes() -> None:
    df = pd.DataFrame({"q": pd.Series([1, True, 0, False], dtype=object)})
    rm = as_responses(df, invalid="missing")
    assert rm.values.ravel().tolist() == [1, -1, 0, -1]
    assert [(c.row, c.value) for c in rm.invalid] == [(3, "True"), (5, "False")]


def test_top_category_declared_rejects_higher_codes() -> None:
    df = pd.DataFrame({"q": [1, 2, 3, 4]})
    with pytest.raises(
        ResponseDataError,
        match=r"^data: 1 invalid cell:\n  row 5, person '4', column 'q': value '4' is not "
        r"allowed \(allowed: integers 1\.\.3; or an empty cell\)",
    ):
        as_responses(df, max_category=2, min_category=1)


def test_inferred_top_is_the_largest_code_seen() -> None:
    rm = as_responses(pd.DataFrame({"a": [0, 3, 1], "b": [0, 1, 1]}))
    assert rm.max_category.tolist() == [3, 1]


# ----------------------------------------------------------------------------- reverse keys


def test_reverse_keyed_item_from_instrument() -> None:
    df = pd.DataFrame({"a": [0, 2, 1], "b": ["Instämmer helt", 0, 1]})
    rm = as_responses(df, instrument=tiny_instrument(reverse=True))
    assert rm.values.tolist() == [[0, 0], [2, 2], [1, 1]]


def test_reverse_uses_declared_top_even_if_unobserved() -> None:
    df = pd.DataFrame({"q": [0, 1, 2]})  # top category 3 never used
    assert as_responses(df, reverse=["q"], max_category=3).values.ravel().tolist() == [3, 2, 1]


def test_reverse_without_declared_top_is_refused() -> None:
    with pytest.raises(
        ResponseDataError,
        match=r"^data: item 'q' is reverse-keyed, so its highest category must be declared "
        r"\(max_category=\.\.\., CLI: --max-code\); the highest code in the data is 2",
    ):
        as_responses(pd.DataFrame({"q": [0, 1, 2]}), reverse=["q"])


def test_reverse_of_unknown_item() -> None:
    with pytest.raises(ResponseDataError, match=r"reverse-keyed item\(s\) not among the items: z"):
        as_responses(pd.DataFrame({"q": [0, 1]}), reverse=["z"])


# ----------------------------------------------------------------------------- value labels


def test_spss_value_labels_name_the_categories() -> None:
    # SPSS codes 1..6 with WHO-5 labels, 8 = "Vet ej"; the labels decide, not the numbers
    labels = {float(k + 1): SV[k] for k in range(6)} | {8.0: "Vet ej"}
    df = pd.DataFrame({f"who5_{k}": [1.0, 6.0, 8.0, np.nan] for k in range(1, 6)})
    rm = as_responses(df, instrument=WHO5, value_labels={f"who5_{k}": labels for k in range(1, 6)})
    assert rm.values[:, 0].tolist() == [0, 5, -1, -1]


def test_spss_value_without_a_known_label_is_invalid() -> None:
    labels = {1.0: SV[0], 2.0: SV[1], 3.0: "Ibland"}
    df = pd.DataFrame({f"who5_{k}": [1.0, 2.0, 3.0, 4.0] for k in range(1, 6)})
    rm = as_responses(df, instrument=WHO5, value_labels={"who5_1": labels}, invalid="missing")
    assert rm.values[:, 0].tolist() == [0, 1, -1, -1]
    bad = [(c.row, c.value, c.label) for c in rm.invalid]
    assert bad == [(4, "3", "Ibland"), (5, "4", None)]
    assert (
        "(value label 'Ibland') is not allowed (allowed: values labelled "
        in rm.invalid[0].describe()
    )


def test_value_labels_only_for_missing_keep_the_numbers() -> None:
    df = pd.DataFrame({"q": [0.0, 1.0, 2.0, 7.0]})
    rm = as_responses(df, value_labels={"q": {7.0: "Vet ej"}}, missing_codes=["vet ej"])
    assert rm.values.ravel().tolist() == [0, 1, 2, -1]


# ----------------------------------------------------------------------------- columns


def test_columns_found_ignoring_case_and_spaces_or_mapped() -> None:
    df = pd.DataFrame(
        {
            " WHO5_1 ": [0, 1],
            "Fråga 2": [1, 2],
            "who5_3": [2, 3],
            "Who5_4": [3, 4],
            "who5_5": [4, 5],
            "who5_2": ["x", "x"],  # not read: the mapping wins
        }
    )
    rm = as_responses(df, instrument=WHO5, columns={"who5_2": "Fråga 2"})
    assert rm.columns == (" WHO5_1 ", "Fråga 2", "who5_3", "Who5_4", "who5_5")
    assert rm.values[0].tolist() == [0, 1, 2, 3, 4]


def test_mapping_without_instrument_names_the_items() -> None:
    df = pd.DataFrame({"id": ["a", "b"], "Fråga 1": [0, 1], "q2": [1, 0], "kommun": ["x", "y"]})
    rm = as_responses(df, id_column="id", columns={"q1": "Fråga 1"}, exclude=["kommun"])
    assert rm.items == ("q1", "q2")
    assert rm.columns == ("Fråga 1", "q2")


def test_item_not_found_message() -> None:
    df = pd.DataFrame({"id": [1], "q1": [0]})
    msg = (
        "export.csv: no column found for 5 item(s) of instrument 'who5': 'who5_1', 'who5_2', "
        "'who5_3', 'who5_4', 'who5_5' (columns: 'id', 'q1'). Name the columns after the items, "
        "map them (columns={'who5_1': 'COLUMN'}, CLI: --map who5_1=COLUMN), or choose the items "
        "present (items=..., CLI: --items)."
    )
    with pytest.raises(ResponseDataError) as err:
        as_responses(df, instrument=WHO5, source="export.csv")
    assert str(err.value) == msg


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"columns": {"who5_1": "nope"}},
            r"the column mapping names column\(s\) not in the data: who5_1=nope",
        ),
        (
            {"columns": {"zz": "a"}},
            r"the column mapping names item\(s\) that are not items of instrument 'who5': 'zz'",
        ),
        (
            {"columns": {"who5_1": "a", "who5_2": "a"}},
            r"reads several items from the same column: 'a' <- who5_1, who5_2",
        ),
        ({"items": ["who5_1", "x"]}, r"item\(s\) not in instrument 'who5': 'x'"),
    ],
)
def test_mapping_errors(kwargs: dict[str, object], message: str) -> None:
    df = pd.DataFrame({"a": [0], **{f"who5_{k}": [0] for k in range(1, 6)}})
    with pytest.raises(ResponseDataError, match=message):
        as_responses(df, instrument=WHO5, **kwargs)  # type: ignore[arg-type]


def test_ambiguous_column_names() -> None:
    df = pd.DataFrame({"Q1": [0, 1], "q1 ": [1, 0]})
    with pytest.raises(
        ResponseDataError, match=r"several columns match item\(s\).*'q1' \('Q1', 'q1 '\)"
    ):
        as_responses(df, items=["q1"])


def test_id_column_cannot_be_an_item() -> None:
    with pytest.raises(ResponseDataError, match=r"the id column 'id' cannot also be an item"):
        as_responses(pd.DataFrame({"id": [0, 1], "q": [1, 0]}), id_column="id", items=["id", "q"])


def test_duplicate_column_names() -> None:
    df = pd.DataFrame([[0, 1], [1, 0]], columns=["q", "q"])
    with pytest.raises(ResponseDataError, match=r"duplicate column names: 'q'"):
        as_responses(df)


# ----------------------------------------------------------------------------- persons


def test_one_row_per_input_row_in_order_with_blank_rows() -> None:
    df = pd.DataFrame(
        {
            "id": ["p3", None, "p1", "  ", "p2"],
            "q1": [0, None, 1, "", 1],
            "q2": [1, None, 0, None, 1],
            "note": ["x", None, None, " ", None],
        }
    )
    rm = as_responses(df, id_column="id", items=["q1", "q2"], row_numbers=[2, 3, 4, 5, 6])
    assert rm.persons == ("p3", "", "p1", "", "p2")
    assert rm.blank_rows.tolist() == [False, True, False, True, False]  # type: ignore[union-attr]
    assert rm.rows.tolist() == [2, 3, 4, 5, 6]
    assert rm.values.tolist() == [[0, 1], [-1, -1], [1, 0], [-1, -1], [1, 1]]


def test_blank_id_in_a_row_with_answers() -> None:
    df = pd.DataFrame({"id": ["p1", " ", "p3", None], "q": [0, 1, None, None], "k": [1, 2, 3, 4]})
    with pytest.raises(ResponseDataError) as err:
        as_responses(df, id_column="id", items=["q"], source="s.csv", row_numbers=[2, 3, 4, 5])
    assert str(err.value) == (
        "s.csv: id column 'id' is blank in 2 row(s) with data: rows 3 and 5. Every "
        "person needs an id; fill them in, or leave out the id column (id_column=None, CLI: no "
        "--id-column) to number persons by row."
    )


def test_duplicate_person_ids_name_rows_and_spot_exported_twice() -> None:
    df = pd.DataFrame(
        {"id": ["a", "b", "a", "c", "b"], "q": [0, 1, 0, 1, 0]},
    )
    with pytest.raises(ResponseDataError) as err:
        as_responses(df, id_column="id", source="s.csv", row_numbers=[2, 3, 4, 5, 6])
    assert str(err.value) == (
        "s.csv: 2 person id(s) appear more than once in column 'id': 'a' (rows 2 and 4, "
        "identical rows: exported twice?); 'b' (rows 3 and 6). Each person must appear once: "
        "remove the duplicated rows or fix the ids."
    )


def test_numeric_ids_are_text_without_decimals() -> None:
    df = pd.DataFrame({"id": [101.0, 102.0, 103.5], "q": [0, 1, 1]})
    assert as_responses(df, id_column="id").persons == ("101", "102", "103.5")
    df2 = pd.DataFrame({"id": [7, 8], "q": [0, 1]})
    assert as_responses(df2, id_column="id").persons == ("7", "8")


def test_missing_id_column() -> None:
    with pytest.raises(ResponseDataError, match=r"id column 'pid' not found \(columns: 'q'\)"):
        as_responses(pd.DataFrame({"q": [0, 1]}), id_column="pid")


# ----------------------------------------------------------------------------- errors


def test_many_invalid_cells_count_and_first_ten_in_row_order() -> None:
    df = pd.DataFrame({"a": ["x"] * 8 + ["0"] * 4, "b": ["1"] * 6 + ["y"] * 6})
    with pytest.raises(ResponseDataError) as err:
        as_responses(df, source="f.csv")
    text = str(err.value)
    assert text.startswith("f.csv: 14 invalid cells (the first 10 are listed):\n")
    listed = [line for line in text.splitlines() if line.startswith("  row")]
    assert len(listed) == MAX_LISTED
    assert [line.split(",")[0].strip() for line in listed] == [
        f"row {r}"
        for r in [2, 3, 4, 5, 6, 7, 8, 8, 9, 9]  # the header is row 1
    ]
    assert len(err.value.problems) == MAX_LISTED
    assert err.value.problems[0]["column"] == "a"


def test_invalid_missing_keeps_every_invalid_cell() -> None:
    df = pd.DataFrame({"a": ["x"] * 12 + ["1", "0"], "b": ["0", "1"] * 7})
    rm = as_responses(df, invalid="missing")
    assert rm.n_invalid == 12 and len(rm.invalid) == 12
    assert rm.values[:12, 0].tolist() == [-1] * 12


def test_entirely_empty_item_column() -> None:
    df = pd.DataFrame({"a": [0, 1, 0], "b": [None, "", " "]})
    with pytest.raises(ResponseDataError) as err:
        as_responses(df, source="f.csv")
    assert str(err.value) == (
        "f.csv: 1 item column has no answers: 'b' is entirely empty (3 rows). Remove such items, "
        "or check the column mapping and the missing codes."
    )


def test_item_with_only_missing_codes_or_invalid_cells() -> None:
    df = pd.DataFrame({"a": [0, 1, 0], "b": ["9", "9", None], "c": ["x", "y", "0"]})
    with pytest.raises(
        ResponseDataError,
        match=r"'b' has no valid answer \(1 empty, 2 missing codes\)",
    ):
        as_responses(df, missing_codes=[9], invalid="missing", items=["a", "b"])
    with pytest.raises(
        ResponseDataError, match=r"'c' has no valid answer \(1 empty, 2 invalid \(set missing\)\)"
    ):
        as_responses(df.assign(c=["x", "y", None]), invalid="missing", items=["a", "c"])


def test_item_with_one_category_is_refused_by_calibrate() -> None:
    df = pd.DataFrame({"a": [1, 1, 1, None], "b": [0, 1, 0, 1], "c": [1, 0, 0, 1]})
    with pytest.raises(ResponseDataError, match=r"item 'a': every answer is in category 1"):
        measure.calibrate(df)


def test_no_data_rows() -> None:
    with pytest.raises(ResponseDataError, match=r"^f: no data rows"):
        as_responses(pd.DataFrame({"q": []}), source="f")


def test_policy_and_argument_errors() -> None:
    df = pd.DataFrame({"q": [0, 1]})
    with pytest.raises(ValueError, match=r"'error', 'missing'"):
        as_responses(df, invalid="drop")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"decimal=';' is not one of"):
        as_responses(df, decimal=";")
    with pytest.raises(ValueError, match=r"row_numbers has 3 entries for 2 rows"):
        as_responses(df, row_numbers=[1, 2, 3])


def test_response_matrix_passes_through_and_arrays_are_accepted() -> None:
    rm = as_responses(np.array([[0, 1], [1, 0]]))
    assert rm.items == ("item1", "item2")
    assert as_responses(rm) is rm
    assert isinstance(rm, ResponseMatrix)


def test_allow_empty_items_keeps_an_unanswered_item_column() -> None:
    import pandas as pd
    import pytest

    from measure import ResponseDataError, as_responses

    df = pd.DataFrame({"q1": [1, 0], "q2": [None, None]})
    with pytest.raises(ResponseDataError, match=r"'q2' is entirely empty"):
        as_responses(df, max_category=2)
    rm = as_responses(df, max_category=2, allow_empty_items=True)
    assert rm.values[:, 1].tolist() == [-1, -1]
