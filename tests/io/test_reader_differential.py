"""Differential property test of the two text engines (issue 12, "Done when"): random files
with quotes, encodings, number forms, short and long rows, blank lines and cells, at sizes on
both sides of every engine switch, give the same cells, row numbers and format from the fast
and the careful engine, or the same located error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measure.exceptions import ResponseDataError
from measure.io import FAST_MIN_CHARS, read_table
from measure.io.read import RawTable

#: sizes around the engine switches: auto's FAST_MIN_CHARS and the fast engine's probe of the
#: first MB / 4 MB blocks in numeric mode
SIZES = [0, 2_000, FAST_MIN_CHARS - 500, FAST_MIN_CHARS + 500, (1 << 22) + 50_000]

CELLS = st.one_of(
    st.integers(-3, 120).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "07",
            "+1",
            "-0",
            "1e0",
            "2E0",
            ".0",
            "1.0e0",
            "1e-400",
            "1e400",
            "00000000000000000001",
            "2.00000000000000001",
            "99999999999999999999",
            "9223372036854775808",
            "-9223372036854775809",
            "2,5",
            "2.5",
            "nan",
            "inf",
            "Söderås",
            "Vet ej",
            "a b",
            '"quoted"',
            '"with, delimiter"',
            '"with ""inner"" quote"',
            '"line\nbreak"',
            '"unterminated',
            'in"side',
            "€",
            "\t",
        ]
    ),
)


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, str]:
    width = draw(st.integers(2, 5))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    header = [f"c{j}" for j in range(width)]
    rows: list[list[str]] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["full"] * 6 + ["short", "long", "blank"]))
        n = {"full": width, "short": width - 1, "long": width + 1, "blank": 0}[kind]
        rows.append([draw(CELLS) for _ in range(n)])
    size = draw(st.sampled_from(SIZES))
    plain = sep.join(["7"] * width)
    filler = [plain] * (size // (len(plain) + 1))
    at = draw(st.integers(0, len(filler)))
    lines = [sep.join(header)] + filler[:at] + [sep.join(r) for r in rows] + filler[at:]
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + draw(st.sampled_from([end, ""]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "mixed"]))
    if encoding == "mixed":
        data = text.encode("utf-8") + "x,ö\n".encode("cp1252")
    else:
        data = text.encode(encoding, errors="replace")
    return data, sep


def read(path: Path, engine: str, numeric: bool) -> RawTable | str:
    try:
        return read_table(path, engine=engine, numeric=numeric)  # type: ignore[arg-type]
    except ResponseDataError as exc:
        return str(exc)


@settings(max_examples=60)
@given(files(), st.booleans())
def test_fast_and_careful_engines_agree(
    tmp_path_factory: pytest.TempPathFactory, file: tuple[bytes, str], numeric: bool
) -> None:
    data, _ = file
    path = tmp_path_factory.mktemp("diff") / "random.csv"
    path.write_bytes(data)
    fast = read(path, "fast", numeric)
    careful = read(path, "careful", numeric)
    if isinstance(careful, str) or isinstance(fast, str):
        assert fast == careful  # the same located error
        return
    assert (fast.encoding, fast.delimiter, fast.decimal) == (
        careful.encoding,
        careful.delimiter,
        careful.decimal,
    )
    np.testing.assert_array_equal(fast.row_numbers, careful.row_numbers)
    pd.testing.assert_frame_equal(fast.data, careful.data)
    auto = read(path, "auto", numeric)
    assert not isinstance(auto, str)
    pd.testing.assert_frame_equal(auto.data, careful.data)
