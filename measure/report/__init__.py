"""HTML report of a calibration's diagnostics: formatting only, no statistics here."""

from __future__ import annotations

from measure.report.html import render_report, write_report

__all__ = ["render_report", "write_report"]
