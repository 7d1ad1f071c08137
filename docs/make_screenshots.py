"""Screenshots of the calibrate report at 40 items, in English and Swedish, in headless Chromium.

    python docs/make_screenshots.py [--out DIR]

Simulates 40 five-category items (partial credit, 1,200 persons, two municipalities with DIF on
three items), writes a one-language instrument for them, runs ``measure calibrate --report`` in
both languages and photographs each report from top to bottom in 1280 x 1600 pixel tiles with
/usr/bin/chromium. The tiles are for looking at (the closing notes describe them), not tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from measure.simulate import simulate_responses

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, TILE = 1280, 1600


def make_data(folder: Path, n_items: int = 40, n_persons: int = 1200) -> Path:
    rng = np.random.default_rng(2026)
    location = np.linspace(-1.5, 1.5, n_items)
    steps = np.array([-1.2, -0.4, 0.4, 1.2])
    thresholds = location[:, None] + steps[None, :]
    group = rng.choice(["Norrby", "Söderås"], size=n_persons)
    frames = []
    for name in ("Norrby", "Söderås"):
        shifted = thresholds.copy()
        if name == "Söderås":
            shifted[[3, 17, 29]] += 0.9  # DIF on three items
        n = int((group == name).sum())
        sim = simulate_responses(
            thresholds=shifted,
            n_persons=n,
            missing=0.03,
            item_names=[f"q{i + 1}" for i in range(n_items)],
            rng=rng,
        )
        part = pd.DataFrame(sim.responses, columns=[f"q{i + 1}" for i in range(n_items)])
        part.insert(0, "kommun", name)
        frames.append(part)
    data = pd.concat(frames, ignore_index=True)
    data.insert(0, "id", [f"p{i + 1:04d}" for i in range(len(data))])
    path = folder / "survey40.csv"
    data.to_csv(path, index=False, float_format="%.0f")
    return path


LABELS = [
    ("Aldrig", "Never"),
    ("Sällan", "Rarely"),
    ("Ibland", "Sometimes"),
    ("Ofta", "Often"),
    ("Alltid", "Always"),
]


def make_instrument(folder: Path, n_items: int = 40) -> Path:
    """A two-language instrument for the simulated items (texts and response options)."""
    lines = [
        'id = "survey40"',
        'version = "1.0"',
        'title = { sv = "Enkät med 40 frågor", en = "Survey with 40 questions" }',
        'construct = { sv = "Välbefinnande (högre = bättre)", en = "Wellbeing (higher = better)" }',
        'default_model = "pcm"',
        "min_answered = 5",
        "",
    ]
    for i in range(n_items):
        lines += [
            "[[items]]",
            f'id = "q{i + 1}"',
            f'text = {{ sv = "Fråga {i + 1}", en = "Question {i + 1}" }}',
        ]
        for code, (sv, en) in enumerate(LABELS):
            lines += [
                "[[items.categories]]",
                f"code = {code}",
                f'label = {{ sv = "{sv}", en = "{en}" }}',
            ]
        lines.append("")
    path = folder / "survey40.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def screenshot(page: Path, prefix: Path, height: int = 40 * TILE) -> list[Path]:
    """The whole page in tiles (one tall headless screenshot, cut with matplotlib's image IO)."""
    import matplotlib.image

    shot = prefix.with_suffix(".full.png")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--screenshot={shot}",
                f"--window-size={WIDTH},{height}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    img = matplotlib.image.imread(str(shot))
    # trim the blank page below the report
    ink = (img[..., :3].min(axis=2) < 0.97).any(axis=1).nonzero()[0]
    img = img[: int(ink.max()) + 40 if ink.size else img.shape[0]]
    tiles = []
    for k, top in enumerate(range(0, img.shape[0], TILE)):
        tile = prefix.parent / f"{prefix.name}-{k + 1:02d}.png"
        matplotlib.image.imsave(str(tile), img[top : top + TILE])
        tiles.append(tile)
    shot.unlink()
    return tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    measure = Path(sys.executable).with_name("measure")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = make_data(folder)
        instrument = make_instrument(folder)
        for lang in ("en", "sv"):
            out = folder / f"out-{lang}"
            subprocess.run(
                [
                    str(measure),
                    "calibrate",
                    str(data),
                    "--id-column",
                    "id",
                    "--instrument",
                    str(instrument),
                    "--dif",
                    "kommun",
                    "--report",
                    "--lang",
                    lang,
                    "--out",
                    str(out),
                ],
                check=True,
            )
            tiles = screenshot(out / "report.html", args.out / f"report-{lang}")
            print(f"{lang}: {len(tiles)} tiles in {args.out}")


if __name__ == "__main__":
    main()
