"""The report section of a short form: what was chosen, for which target, and what it loses.

Formatting only: every number comes from the :class:`~measure.shortform.ShortForm`. The
section is a self-contained HTML page (inline style, the figure as an embedded PNG), written
by ``measure shorten`` as ``report.html``; :func:`short_form_section` gives the section alone
for embedding in a larger report.
"""

from __future__ import annotations

import base64
import io
import math
from typing import TYPE_CHECKING

from measure.report.html import _CSS, _e

if TYPE_CHECKING:
    from measure.shortform import ShortForm

__all__ = ["short_form_png", "short_form_section", "render_short_form_report"]


def short_form_png(form: ShortForm, *, lang: str = "en") -> bytes:
    """The information and SE plot of the full and the short form as PNG bytes (Agg, no
    pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from measure.plotting import short_form_plot

    fig = Figure(figsize=(7.0, 4.4), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    short_form_plot(form, ax, lang=lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _num(x: object, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            return ""
        return f"{x:.{digits}f}" if isinstance(x, float) else str(x)
    return _e(x)


def short_form_section(form: ShortForm, *, png: bytes | None = None) -> str:
    """The section as HTML: goal, target, chosen items, precision against the full form, the
    figure, and the table of every length."""
    s = form.summary()
    row = form.forms.loc[form.forms["k"] == form.length].iloc[0]
    full = form.forms.iloc[-1]
    img = ""
    if png is not None:
        data = base64.b64encode(png).decode("ascii")
        img = (
            f'<figure><img alt="" src="data:image/png;base64,{data}"><figcaption>Test '
            "information (solid) and standard error (dashed) of the full and the short form; "
            "the target is shaded (a range) or marked (a threshold).</figcaption></figure>"
        )
    compare = [
        ("smallest information over the target", "min_information"),
        ("mean SE in the reference population (logits)", "mean_se"),
        ("reliability in the reference population", "reliability"),
        ("SE at the threshold (logits)", "se_at_threshold"),
        ("correlation with the full form's measures", "correlation_full"),
        ("same side of the threshold as the full form", "agreement_at_threshold"),
    ]
    rows = "".join(
        f'<tr><td class="text">{_e(label)}</td><td>{_num(float(row[col]))}</td>'
        f"<td>{_num(float(full[col]))}</td></tr>"
        for label, col in compare
    )
    cols = list(form.forms.columns)
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    body = "".join(
        f'<tr class="{"flag" if int(r["k"]) == form.length else ""}">'
        + "".join(
            f'<td class="{"text" if c == "items" else ""}">'
            f"{_num(r[c]) if c != 'items' else _e(r[c])}</td>"
            for c in cols
        )
        + "</tr>"
        for _, r in form.forms.iterrows()
    )
    goal = _e(s["goal"]) + ("" if s["goal_met"] else " <b>(not reached)</b>")
    return (
        "<section><h2>Short form</h2>"
        f"<p>Goal: {goal}. Target: {_e(form.target.description)}.</p>"
        f"<p>Chosen: <b>{form.length}</b> of {len(form.reference.item_ids)} items: "
        f"{_e(', '.join(form.items))}"
        f"{' (proven optimal)' if bool(row['optimal']) else ' (best found in the time limit)'}"
        ".</p>"
        f"<p class='note'>Selection: {_e(s['method'])}. Reference population: "
        f"{_e(form.population.source)}. Correlation and agreement from "
        f"{_e(form.agreement_source)}.</p>"
        "<table><thead><tr><th class='text'></th><th>short form</th><th>full form</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>"
        f"{img}"
        "<h3>Every length</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</section>"
    )


def render_short_form_report(form: ShortForm, *, png: bytes | None = None) -> str:
    """A self-contained HTML page with :func:`short_form_section`."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Short form</title><style>{_CSS}</style></head><body>"
        '<header class="top"><h1>Short form</h1>'
        f"<p>Reference {_e(form.reference.content_hash[:19])}...</p></header>"
        f"<main>{short_form_section(form, png=png)}</main></body></html>"
    )
