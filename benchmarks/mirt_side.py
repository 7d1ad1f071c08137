"""The mirt side of bench_mirt.py: runs INSIDE the throwaway venv (imports mirt, numpy, pandas).

Usage: python mirt_side.py DATA.csv I01,I02,... OUT_DIR

Steps, each timed with time.perf_counter and reported on one line ``MIRT_RESULT {json}``:
  import     ``import mirt`` (with numpy / pandas)
  read       ``pandas.read_csv(DATA)``, item columns to an integer array
  fit        ``mirt.fit_mirt(X, model="PCM", n_categories=K)``: marginal ML by EM (Rust core),
             standard errors by the default ``se_method="auto"`` (Oakes observed information)
  persons    ``mirt.fscores(fit, X, method="WLE")`` (Warm's WLE with SE)
  itemfit    ``mirt.itemfit(fit, X, statistics=["infit", "outfit", "z_infit", "z_outfit"],
             theta=WLE)``
  personfit  ``mirt.personfit(fit, X, theta=WLE, statistics=["infit", "outfit"])``
  write      items (coef_with_se + item fit) and persons (WLE, SE, person fit) to CSV
A step that is missing or raises is recorded in ``errors`` with its message; the others still run.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

t0 = time.perf_counter()
times: dict[str, float] = {}
errors: dict[str, str] = {}
info: dict[str, object] = {}


def step(name, fn):
    t = time.perf_counter()
    try:
        value = fn()
    except Exception as exc:  # noqa: BLE001 - report exactly what happened
        errors[name] = f"{type(exc).__name__}: {exc}"
        info[f"{name}_traceback"] = traceback.format_exc()[-1500:]
        value = None
    times[name] = time.perf_counter() - t
    return value


def main() -> None:
    data, items_arg, out = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    items = items_arg.split(",")

    def _import():
        import mirt
        import numpy  # noqa: F401
        import pandas  # noqa: F401

        return mirt

    mirt = step("import", _import)
    if mirt is None:
        return
    import numpy as np
    import pandas as pd

    info["mirt_version"] = getattr(mirt, "__version__", "?")
    info["rust"] = bool(getattr(mirt, "is_rust_available", lambda: None)())

    def _read():
        df = pd.read_csv(data)
        return df[items].to_numpy(dtype=np.int64)

    X = step("read", _read)
    k = int(X.max()) + 1
    fit = step("fit", lambda: mirt.fit_mirt(X, model="PCM", n_categories=k, item_names=items))
    if fit is None:
        return
    info.update(
        loglik=float(fit.log_likelihood),
        iterations=int(fit.n_iterations),
        converged=bool(fit.converged),
        se_method=str(getattr(fit, "se_method", "?")),
    )
    scores = step("persons", lambda: mirt.fscores(fit, X, method="WLE"))
    theta = None if scores is None else np.asarray(scores.theta).ravel()
    ifit = step(
        "itemfit",
        lambda: mirt.itemfit(
            fit, X, statistics=["infit", "outfit", "z_infit", "z_outfit"], theta=theta
        ),
    )
    pfit = step(
        "personfit", lambda: mirt.personfit(fit, X, theta=theta, statistics=["infit", "outfit"])
    )

    def _write():
        items_tab = fit.coef_with_se()
        if ifit is not None:
            items_tab = items_tab.join(ifit)
        items_tab.to_csv(out / "items.csv")
        persons = pd.DataFrame({"person": np.arange(1, len(X) + 1)})
        if scores is not None:
            persons["wle"] = theta
            persons["wle_se"] = np.asarray(scores.standard_error).ravel()
        if pfit is not None:
            persons["infit_msq"] = np.asarray(pfit["infit"])
            persons["outfit_msq"] = np.asarray(pfit["outfit"])
        persons.to_csv(out / "persons.csv", index=False)

    step("write", _write)
    if ifit is not None:
        info["itemfit_columns"] = list(map(str, ifit.columns))


if __name__ == "__main__":
    try:
        main()
    finally:
        times["total_in_process"] = time.perf_counter() - t0
        print("MIRT_RESULT " + json.dumps({"times": times, "errors": errors, "info": info}))
