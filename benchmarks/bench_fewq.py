"""Issue 14 (few questions): short forms and adaptive testing on a reference scale.

Run on demand: ``.venv/bin/python benchmarks/bench_fewq.py [--figures]``. Prints

a. ``shorten`` on a simulated 60-item partial-credit bank (4 categories, locations spread over
   -2.5..2.5): the time for every length 1..60 (library, in-process, and the ``measure shorten``
   command end to end), and for k = 5, 10, 15, 20 the smallest test information over the target
   of the MILP form against greedy selection (add the item that raises the minimum most) and
   the best of 10,000 random forms (ratios >= 1 mean the MILP form is at least as good);
b. adaptive testing on a simulated 40-item partial-credit bank (5 categories, locations evenly
   over -2.5..2.5) with persons N(0, 1), stopping at SE <= 0.40: mean items against an oracle
   that knows each person's measure and takes the most informative items there (target: at
   most 3 more), correlation with the true measure (target >= 0.90), and simulated adaptive
   tests per second (target >= 1,000; vectorised across persons);

and with ``--figures`` writes ``docs/figures/few-questions-*.png``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from measure.adaptive import oracle_lengths, simulate_adaptive
from measure.itembank import information
from measure.reference import ReferenceScale, reference_from_thresholds, save_reference
from measure.shortform import shorten

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_line, measure_command  # noqa: E402

FIGURES = Path(__file__).resolve().parents[1] / "docs" / "figures"


def bank60(seed: int = 60) -> ReferenceScale:
    rng = np.random.default_rng(seed)
    items = {}
    for i in range(60):
        loc = rng.uniform(-2.5, 2.5)
        steps = np.sort(rng.normal(0, 0.9, 3))
        items[f"q{i + 1:02d}"] = list(loc + steps - steps.mean())
    return reference_from_thresholds(items, model="pcm", created="2026-12-04T00:00:00+00:00")


def bank40(seed: int = 40) -> ReferenceScale:
    rng = np.random.default_rng(seed)
    items = {}
    for i, loc in enumerate(np.linspace(-2.5, 2.5, 40)):
        steps = np.sort(np.array([-1.5, -0.5, 0.5, 1.5]) + rng.normal(0, 0.25, 4))
        items[f"i{i + 1:02d}"] = list(loc + steps - steps.mean())
    return reference_from_thresholds(items, model="pcm", created="2026-12-04T00:00:00+00:00")


def greedy(info: np.ndarray, k: int) -> float:
    chosen: list[int] = []
    total = np.zeros(info.shape[0])
    for _ in range(k):
        rest = [j for j in range(info.shape[1]) if j not in chosen]
        cand = total[:, None] + info[:, rest]
        score = cand.min(axis=0) + 1e-9 * cand.sum(axis=0)  # ties: the larger total
        j = rest[int(np.argmax(score))]
        chosen.append(j)
        total += info[:, j]
    return float(total.min())


def best_random(info: np.ndarray, k: int, n: int, rng: np.random.Generator) -> float:
    keys = rng.random((n, info.shape[1]))
    forms = np.argpartition(keys, k, axis=1)[:, :k]
    return float(info[:, forms].sum(axis=2).min(axis=0).max())


def part_a(figures: bool) -> None:
    ref = bank60()
    print("\na. shorten on a 60-item PCM bank (4 categories), target: central 90 % of N(0, 1)")
    t = time.perf_counter()
    form = shorten(ref, target_se=0.4, target_range=(-1.645, 1.645), rng=1)
    lib = time.perf_counter() - t
    n_opt = int(form.forms["optimal"].sum())
    print(
        f"   library: {lib:.2f} s for lengths 1..60 (target SE <= 0.40: {form.length} items; "
        f"{n_opt} of 60 lengths proven optimal, the chosen one "
        f"{'proven' if form.summary()['optimal'] else 'NOT proven'})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ref.json"
        save_reference(ref, path)
        cmd = [*measure_command(), "shorten", "--reference", str(path), "--out", tmp + "/o"]
        cmd += ["--target-se", "0.4", "--range=-1.645:1.645", "--quiet"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        print(
            f"   measure shorten end to end: {wall:.2f} s wall, {cpu:.2f} s CPU (target < 10 s; "
            "the wall time grows with the machine's load)"
        )
    info = information(ref.threshold_matrix, form.target.grid(15))
    rng = np.random.default_rng(2)
    print("   k   MILP min info   greedy   best of 10,000 random   MILP/greedy   MILP/random")
    for k in (5, 10, 15, 20):
        milp = float(form.forms.loc[form.forms["k"] == k, "min_information"].iloc[0])
        g = greedy(info, k)
        r = best_random(info, k, 10_000, rng)
        print(
            f"  {k:2d}   {milp:13.4f}   {g:6.4f}   {r:21.4f}   {milp / g:11.4f}   {milp / r:11.4f}"
        )
    if figures:
        draw_short_form(form)


def part_b(figures: bool) -> None:
    ref = bank40()
    print("\nb. adaptive testing, 40-item PCM bank (5 categories), persons N(0, 1), SE <= 0.40")
    rng = np.random.default_rng(3)
    theta = rng.normal(0.0, 1.0, 5000)
    simulate_adaptive(ref, stop_se=0.4, theta=theta[:200], rng=4)  # warm-up
    rates = []
    for rep in range(3):
        t = time.perf_counter()
        sim = simulate_adaptive(ref, stop_se=0.4, theta=theta, rng=5 + rep)
        rates.append(theta.size / (time.perf_counter() - t))
    s = sim.summary()
    oracle = oracle_lengths(ref, theta, stop_se=0.4)
    print(
        f"   adaptive (WLE): mean items {s['mean_items']:.2f}, oracle {oracle.mean():.2f}, "
        f"difference {s['mean_items'] - oracle.mean():+.2f} (target <= 3)"
    )
    print(
        f"   correlation with the true measure {s['correlation']:.3f} (target >= 0.90), RMSE "
        f"{s['rmse']:.3f}, bias {s['bias']:+.3f}, reached SE 0.40: "
        f"{100 * s['share_reached_target']:.1f} %"
    )
    print(f"   speed: {np.median(rates):,.0f} adaptive tests per second (median of 3; >= 1,000)")
    eap = simulate_adaptive(ref, stop_se=0.4, theta=theta, estimator="eap", rng=5).summary()
    print(
        f"   EAP (population prior): mean items {eap['mean_items']:.2f}, correlation "
        f"{eap['correlation']:.3f}, RMSE {eap['rmse']:.3f}"
    )
    exp = simulate_adaptive(ref, stop_se=0.4, theta=theta, exposure_top=5, rng=5).summary()
    print(
        f"   randomesque exposure control (top 5): mean items {exp['mean_items']:.2f}, "
        f"largest exposure {exp['max_exposure']:.2f} (without: {s['max_exposure']:.2f})"
    )
    if figures:
        draw_adaptive(sim.persons, oracle)


def draw_short_form(form) -> None:  # type: ignore[no-untyped-def]
    from measure.report.shortform import short_form_png

    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / "few-questions-shortform.png").write_bytes(short_form_png(form))
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    f = form.forms
    ax.plot(f["k"], f["mean_se"], color="#dd8452", label="mean SE (logits)")
    ax.plot(f["k"], f["reliability"].clip(lower=0), color="#4c72b0", label="reliability")
    ax.plot(f["k"], f["correlation_full"], color="#55a868", label="correlation with full form")
    ax.axvline(form.length, color="#999999", linewidth=1, linestyle=":")
    ax.set_xlabel("items in the short form")
    ax.set_ylim(0, 1.05)
    ax.set_title("What a shorter form loses (60-item bank, reference population)")
    ax.legend(fontsize=8, frameon=False, loc="center right")
    fig.subplots_adjust(left=0.08, right=0.97, bottom=0.14, top=0.9)
    fig.savefig(FIGURES / "few-questions-loss.png", dpi=100)
    print(f"   wrote {FIGURES / 'few-questions-shortform.png'} and few-questions-loss.png")


def draw_adaptive(persons, oracle: np.ndarray) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    theta = persons["theta"].to_numpy()
    bins = np.linspace(-3, 3, 13)
    mid = (bins[:-1] + bins[1:]) / 2
    which = np.digitize(theta, bins) - 1
    ok = [b for b in range(mid.size) if (which == b).sum() >= 20]
    cat = [persons["n_items"].to_numpy()[which == b].mean() for b in ok]
    orc = [oracle[which == b].mean() for b in ok]
    fig = Figure(figsize=(9.0, 3.6), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(mid[ok], cat, "o-", color="#dd8452", label="adaptive (WLE)")
    ax.plot(mid[ok], orc, "s--", color="#4c72b0", label="oracle (knows the measure)")
    ax.set_xlabel("true measure (logits)")
    ax.set_ylabel("items to reach SE 0.40")
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("Test length")
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.plot(theta, persons["measure"], ".", markersize=2, alpha=0.3, color="#4c72b0")
    ax2.plot([-4, 4], [-4, 4], color="#999999", linewidth=1)
    ax2.set_xlabel("true measure (logits)")
    ax2.set_ylabel("adaptive measure (logits)")
    ax2.set_title("Recovery")
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    FIGURES.mkdir(parents=True, exist_ok=True)
    fig.savefig(FIGURES / "few-questions-adaptive.png", dpi=100)
    print(f"   wrote {FIGURES / 'few-questions-adaptive.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--figures", action="store_true", help="write docs/figures/*.png")
    parser.add_argument("--part", choices=["a", "b", "all"], default="all")
    args = parser.parse_args()
    print(machine_line())
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    if args.part in ("a", "all"):
        part_a(args.figures)
    if args.part in ("b", "all"):
        part_b(args.figures)


if __name__ == "__main__":
    main()
