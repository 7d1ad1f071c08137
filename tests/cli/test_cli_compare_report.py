"""measure compare --report: the contract answer first, in English or Swedish."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from measure.cli.main import cli


def _wave(mean: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    return pd.DataFrame(
        {
            "person": [f"p{i:03d}" for i in range(n)],
            "kommun": np.where(np.arange(n) % 2, "Norrby", "Väst"),
            "measure": rng.normal(mean, 1.0, n),
            "se": 0.4,
        }
    )


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_compare_report_answers_the_contract_question(tmp_path: Path, lang: str) -> None:
    pre, post = tmp_path / "pre.csv", tmp_path / "post.csv"
    _wave(0.0, 1).to_csv(pre, index=False)
    _wave(0.8, 2).to_csv(post, index=False)
    out = tmp_path / "out"
    args = ["compare", str(pre), str(post), "--paired", "--group", "kommun"]
    args += ["--threshold", "0.5", "--out", str(out), "--report", "--lang", lang]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    summary = html[html.index('id="summary"') : html.index('id="details"')]
    if lang == "sv":
        assert "Hur många ligger bortom gränsen?" in summary
        assert "procentenheter" in summary and "95 % KI" in summary
        assert "percentage points" not in summary and "95% CI" not in summary
    else:
        assert "How many are beyond the threshold?" in summary
        assert "percentage points" in summary and "95% CI" in summary
    assert "Norrby" in summary and "Väst" in summary
    # a clear rise of 0.8 SD: the change of the share and of the mean are clear
    assert summary.count('class="card ok"') == 2
    assert (out / "shares.csv").exists() and (out / "share_change.csv").exists()
