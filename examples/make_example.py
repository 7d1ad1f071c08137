"""Regenerate examples/wellbeing_survey.csv: a simulated WHO-5-style survey export.

600 respondents from two municipalities, five items scored 0-5 (rating scale model), about 3% of
answers left blank and 1% coded 9 ("don't know"). Run: python examples/make_example.py
"""

from pathlib import Path

import numpy as np

import measure

rng = np.random.default_rng(20261124)
n = 600
tau = np.array([-2.0, -1.0, -0.2, 0.8, 2.4])
locations = np.array([-0.3, 0.2, 0.0, 0.5, -0.4])
thresholds = [list(loc + tau) for loc in locations]
municipality = rng.choice(["Norrby", "Söderås"], size=n)
theta = rng.normal(np.where(municipality == "Norrby", 0.3, -0.1), 1.1)
sim = measure.simulate_responses(
    thresholds=thresholds,
    theta=theta,
    rng=rng,
    item_names=[f"who5_{i}" for i in range(1, 6)],
)
df = sim.responses.astype("Int64").astype(object)
cells = rng.random(df.shape)
df = df.mask(cells < 0.03, None).mask((cells >= 0.03) & (cells < 0.04), 9)
df.insert(0, "municipality", municipality)
df.insert(0, "id", [f"R{i:04d}" for i in range(1, n + 1)])
out = Path(__file__).with_name("wellbeing_survey.csv")
df.to_csv(out, index=False)
print(f"wrote {out} ({len(df)} rows)")
