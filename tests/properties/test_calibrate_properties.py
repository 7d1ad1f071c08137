"""Property: any small response table gives a complete result or a documented error."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import measure


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, str]:
    n = draw(st.integers(1, 25))
    k = draw(st.integers(1, 6))
    top = draw(st.integers(1, 3))
    cells = draw(
        st.lists(st.one_of(st.none(), st.integers(0, top)), min_size=n * k, max_size=n * k)
    )
    data = np.array([np.nan if c is None else c for c in cells], dtype=float).reshape(n, k)
    model = draw(st.sampled_from(["pcm", "rsm", "rasch"]))
    return pd.DataFrame(data, columns=[f"q{j}" for j in range(k)]), model


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(["error", "collapse"]), st.sampled_from(["auto", "pairwise"]))
def test_small_tables_give_a_result_or_a_documented_error(
    case: tuple[pd.DataFrame, str], null: str, method: str
) -> None:
    df, model = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", measure.MeasureWarning)
        try:
            cal = measure.calibrate(
                df,
                model=model,  # type: ignore[arg-type]
                null_categories=null,  # type: ignore[arg-type]
                method=method,  # type: ignore[arg-type]
            )
        except measure.MeasureError:
            return
    p = cal.persons
    assert len(p) == len(df)
    assert sum(cal.status_counts().values()) == len(df)
    assert np.all(np.isfinite(cal.thresholds["threshold"]))
    assert np.all(np.isfinite(cal.thresholds["se"]))
    measured = p["status"].isin(["ok", "extreme_min", "extreme_max"])
    assert np.all(np.isfinite(p.loc[measured, "measure"]))
    assert np.all(np.isfinite(p.loc[measured, "se"]))
    assert p.loc[~measured, "measure"].isna().all()
    assert (p.loc[~measured, "reason"].str.len() > 0).all()
