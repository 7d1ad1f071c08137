"""Conformance with iarm 0.4.3 (R): conditional item fit, item-restscore gamma, partial gamma.

Peer numbers and the script that made them: tests/reference/iarm/ (complete cases). Tolerances:

* with iarm's own item parameters (eRm's estimates, stored beside its numbers) every statistic to
  1e-9 (the formulas are the same; differences are rounding);
* end to end with our CML estimates (they differ from eRm's by about 1e-5): conditional outfit,
  infit and their SEs to 1e-4; restscore and partial gammas and their SEs to 1e-6 (observed
  gammas and all partial gammas do not depend on the item parameters; the expected restscore
  gamma does and is compared to 1e-4 end to end).

iarm's p-values underflow to 0 and its "BH" in the partial-gamma functions is applied to one
p-value at a time: we compare z (gamma / se, or (observed - expected) / se) instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import measure
from measure.diagnostics.conditional import (
    conditional_fit,
    partial_gamma_dif,
    partial_gamma_ld,
    restscore_association,
)

ROOT = Path(__file__).parents[1] / "reference"
IARM = ROOT / "iarm"
DATA = ROOT / "erm" / "data"
MODEL = {"RM": "rasch", "PCM": "pcm"}
EXACT = 1e-9


def check_z(z: list[float], ref: pd.DataFrame) -> None:
    """z = gamma / se where iarm's se > 0; where gamma is +-1 with se 0 iarm gives an infinite
    z (p = 0), we give no z (NaN): a degenerate table is not evidence of any size."""
    z_ref = (ref["gamma"] / ref["se"]).to_numpy()
    ours = np.asarray(z)
    finite = np.isfinite(z_ref)
    np.testing.assert_allclose(ours[finite], z_ref[finite], rtol=1e-6, atol=1e-6)
    assert np.isnan(ours[~finite]).all()


class IarmMixin:
    dataset: ClassVar[str]
    model: ClassVar[str]
    cache: ClassVar[dict[tuple[str, str], object]] = {}

    def ref(self, table: str) -> pd.DataFrame:
        return pd.read_csv(IARM / f"{self.dataset}__{self.model}__{table}.csv")

    @property
    def data(self) -> pd.DataFrame:
        return pd.read_csv(DATA / f"{self.dataset}.csv").dropna().astype(int)

    def arrays(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        x = self.data
        items = list(x.columns)
        values = x.to_numpy()
        mc = values.max(axis=0).astype(np.int64)
        th = self.ref("thresholds")
        t = np.full((len(items), int(mc.max())), np.nan)
        for row in th.itertuples():
            t[items.index(str(row.item)), int(row.category) - 1] = float(row.threshold)  # type: ignore[arg-type]
        return items, values, t, mc

    def calibration(self) -> measure.Calibration:
        key = (self.dataset, self.model)
        if key not in self.cache:
            self.cache[key] = measure.calibrate(self.data, model=MODEL[self.model])
        cal = self.cache[key]
        assert isinstance(cal, measure.Calibration)
        return cal

    # -- conditional fit -----------------------------------------------------------------
    def test_conditional_fit_with_iarm_parameters(self) -> None:
        _, values, t, mc = self.arrays()
        ref = self.ref("out_infit")
        cf = conditional_fit(values, t, mc)
        np.testing.assert_allclose(cf.outfit_msq, ref["outfit"], rtol=0, atol=EXACT)
        np.testing.assert_allclose(cf.outfit_se, ref["outfit_se"], rtol=0, atol=EXACT)
        np.testing.assert_allclose(cf.infit_msq, ref["infit"], rtol=0, atol=EXACT)
        np.testing.assert_allclose(cf.infit_se, ref["infit_se"], rtol=0, atol=EXACT)
        np.testing.assert_allclose(cf.outfit_p, ref["outfit_p"], rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(cf.infit_p, ref["infit_p"], rtol=1e-6, atol=1e-12)

    def test_conditional_fit_end_to_end(self) -> None:
        ref = self.ref("out_infit")
        items = self.calibration().items
        for ours, theirs in (
            ("cond_outfit_msq", "outfit"),
            ("cond_outfit_se", "outfit_se"),
            ("cond_infit_msq", "infit"),
            ("cond_infit_se", "infit_se"),
        ):
            np.testing.assert_allclose(items[ours], ref[theirs], rtol=0, atol=1e-4, err_msg=ours)
        z_ref = (ref["outfit"] - 1) / ref["outfit_se"]
        np.testing.assert_allclose(items["cond_outfit_z"], z_ref, rtol=0, atol=2e-3)

    # -- item-restscore -------------------------------------------------------------------
    def test_restscore(self) -> None:
        _, values, t, mc = self.arrays()
        ref = self.ref("item_restscore")
        r = restscore_association(values, t, mc)
        np.testing.assert_allclose(r.gamma_observed, ref["observed"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(r.gamma_expected, ref["expected"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(r.se, ref["se"], rtol=0, atol=1e-6)
        z_ref = (ref["observed"] - ref["expected"]) / ref["se"]
        np.testing.assert_allclose(r.z, z_ref, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(r.p, ref["p"], rtol=0, atol=5.1e-5)  # iarm rounds to 4 digits

    def test_restscore_end_to_end(self) -> None:
        cal = self.calibration()
        ref = self.ref("item_restscore")
        r = restscore_association(cal.values, cal.threshold_matrix, cal.max_category)
        np.testing.assert_allclose(r.gamma_observed, ref["observed"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(r.se, ref["se"], rtol=0, atol=1e-6)
        np.testing.assert_allclose(r.gamma_expected, ref["expected"], rtol=0, atol=1e-4)

    # -- partial gamma ---------------------------------------------------------------------
    def test_partial_gamma_dif(self) -> None:
        _, values, _, _ = self.arrays()
        ref = self.ref("partgam_dif")
        got = partial_gamma_dif(values, np.arange(1, values.shape[0] + 1) % 2)
        np.testing.assert_allclose([g.gamma for g in got], ref["gamma"], rtol=0, atol=1e-6)
        np.testing.assert_allclose([g.se for g in got], ref["se"], rtol=0, atol=1e-6)
        check_z([g.z for g in got], ref)

    def test_partial_gamma_ld(self) -> None:
        items, values, _, _ = self.arrays()
        ref = self.ref("partgam_ld")
        got = partial_gamma_ld(values)
        pairs = [
            (items.index(a), items.index(b))
            for a, b in zip(ref["Item1"], ref["Item2"], strict=True)
        ]
        assert len(pairs) == len(got) == len(items) * (len(items) - 1)
        np.testing.assert_allclose([got[p].gamma for p in pairs], ref["gamma"], atol=1e-6)
        np.testing.assert_allclose([got[p].se for p in pairs], ref["se"], atol=1e-6)
        check_z([got[p].z for p in pairs], ref)


class TestRaschdat1(IarmMixin):
    dataset, model = "erm_raschdat1", "RM"


class TestXmpl(IarmMixin):
    dataset, model = "erm_xmpl", "RM"


class TestLsat6(IarmMixin):
    dataset, model = "psych_lsat6", "RM"


class TestLsat7(IarmMixin):
    dataset, model = "psych_lsat7", "RM"


class TestPcmdat(IarmMixin):
    dataset, model = "erm_pcmdat", "PCM"


class TestPcmdat2(IarmMixin):
    dataset, model = "erm_pcmdat2", "PCM"


@pytest.mark.parametrize("table", ["out_infit", "item_restscore", "partgam_dif", "partgam_ld"])
def test_reference_files_present(table: str) -> None:
    assert (IARM / f"erm_raschdat1__RM__{table}.csv").is_file()
