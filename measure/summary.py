"""One kind of summary for every result: key figures as an object with ``to_dict()`` and text.

Every result's ``summary()`` returns a :class:`Summary`. It reads like the dict it wraps
(``summary["model"]``), ``to_dict()`` gives a JSON-ready copy (NaN and infinities become
``None``, numpy scalars plain Python numbers), and ``str(summary)`` is a short readable block.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Summary", "json_ready", "short_repr"]


def json_ready(value: Any) -> Any:
    """``value`` with every container made plain and every non-finite number ``None``.

    The one NaN-to-null rule of the project: summaries, reference files and reports use it.
    Tuples become lists; numpy scalars and arrays become Python numbers and lists; other
    objects are returned unchanged (the JSON writer rejects what it cannot encode).

    Examples
    --------
    >>> json_ready({"a": float("nan"), "b": (1, np.float64(2.5)), "c": np.array([1, 2])})
    {'a': None, 'b': [1, 2.5], 'c': [1, 2]}
    """
    if isinstance(value, Summary):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) if value else "none"
    return str(value)


@dataclass(frozen=True)
class Summary(Mapping[str, Any]):
    """Key figures of a result (read-only mapping) with ``to_dict()`` and a readable ``str``.

    Examples
    --------
    >>> s = Summary("calibration", {"model": "pcm", "loglik": -12.3456789, "misfit": []})
    >>> s["model"]
    'pcm'
    >>> print(s)
    calibration
      model: pcm
      loglik: -12.35
      misfit: none
    """

    title: str
    figures: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.figures[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.figures)

    def __len__(self) -> int:
        return len(self.figures)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (what ``summary.json`` holds)."""
        out: dict[str, Any] = json_ready(self.figures)
        return out

    def __str__(self) -> str:
        lines = [self.title]

        def add(mapping: Mapping[str, Any], indent: str) -> None:
            for key, value in mapping.items():
                if isinstance(value, Mapping):
                    lines.append(f"{indent}{key}:")
                    add(value, indent + "  ")
                else:
                    lines.append(f"{indent}{key}: {_text(value)}")

        add(json_ready(self.figures), "  ")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Summary({self.title!r}, {len(self.figures)} figures)"


def short_repr(obj: object, **parts: Any) -> str:
    """``ClassName(key=value, ...)``: the repr of a result, without its tables.

    Examples
    --------
    >>> class Fit: pass
    >>> short_repr(Fit(), model="pcm", n_persons=300)
    "Fit(model='pcm', n_persons=300)"
    """
    inner = ", ".join(f"{k}={v!r}" for k, v in parts.items())
    return f"{type(obj).__name__}({inner})"
