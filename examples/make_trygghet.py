"""Regenerate examples/trygghet.csv: simulated answers to examples/trygghet.toml.

400 respondents from two districts, six statements with four answers (rating scale model);
statements 4 and 6 are reverse-keyed, so their answers are written reversed. Answers are written
as the labels' text, as a survey tool exports them; about 3% are left blank and 2% are
"Vet ej". Run: python examples/make_trygghet.py
"""

from pathlib import Path

import numpy as np

import measure

here = Path(__file__).parent
inst = measure.load_instrument(here / "trygghet.toml")
rng = np.random.default_rng(20261204)
n = 400
tau = np.array([-1.6, 0.0, 1.6])
locations = np.array([0.4, -0.2, 0.1, -0.3, -0.8, 0.3])
district = rng.choice(["Centrum", "Västerby"], size=n)
theta = rng.normal(np.where(district == "Centrum", 0.5, 0.0), 1.2)
sim = measure.simulate_responses(
    thresholds=[list(loc + tau) for loc in locations],
    theta=theta,
    rng=rng,
    item_names=list(inst.item_ids),
)
scores = sim.responses.to_numpy(dtype=int)
labels = np.array([c.labels["*"] for c in inst.items[0].categories], dtype=object)
answers = np.empty(scores.shape, dtype=object)
for j, item in enumerate(inst.items):
    codes = 3 - scores[:, j] if item.reverse else scores[:, j]
    answers[:, j] = labels[codes]
cells = rng.random(answers.shape)
answers[cells < 0.03] = None
answers[(cells >= 0.03) & (cells < 0.05)] = "Vet ej"
df = sim.responses.astype(object)
df[:] = answers
df.insert(0, "district", district)
df.insert(0, "id", [f"T{i:04d}" for i in range(1, n + 1)])
df.to_csv(here / "trygghet.csv", index=False)
