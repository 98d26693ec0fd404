"""The figures `cnn-visualizer bench` reports: their names, units and targets, the table and the
JSON line. A figure that was not measured (left out with --only, or failed) is None / null."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    target: str = ""  # in words, e.g. ">= 0.95"; empty when the issue sets none
    digits: int = 0


FIGURES = (
    Figure("train_ratio", "training speed, window drawing / plain model.fit", "", ">= 0.95", 3),
    Figure("live_hz", "feature-map frames drawn per second while training", "Hz", ">= 20", 1),
    Figure("gap_p50_ms", "10 ms timer gap while training, median", "ms", "", 1),
    Figure("gap_p99_ms", "10 ms timer gap while training, p99", "ms", "< 20", 1),
    Figure("gap_max_ms", "10 ms timer gap while training, max", "ms", "< 50", 1),
    Figure("train_ratio_rgb", "training speed on 32x32 colour pictures, window drawing / plain", "", ">= 0.97", 3),
    Figure("live_hz_rgb", "frames drawn per second while training on colour pictures", "Hz", ">= 20", 1),
    Figure("folder_load_s", "a folder of colour pictures read (10,000; quick: 600)", "s", "", 2),
    Figure("folder_load_peak_mb", "memory taken reading that folder (peak)", "MB", "", 0),
    Figure("external_ratio", "a script's training speed, LiveView shown in the window / without it", "", ">= 0.97", 3),
    Figure("external_hz", "a script's feature-map frames drawn per second", "Hz", ">= 20", 1),
    Figure("external_detached_ratio", "a script's training speed, LiveView with no window / without it", "", ">= 0.99", 3),
    Figure("window_cpu_cores", "the window's process while drawing a script's run", "cores", "", 2),
    Figure("startup_ms", "launch to the first page shown", "ms", "", 0),
    Figure("tensorflow_at_startup", "TensorFlow imported at start-up", "", "false"),
    Figure("train_to_first_frame_ms", "Train pressed to the first feature map drawn", "ms", "< 1000", 0),
    Figure("demo_redraw_ms", "worst concept page: parameter change + repaint", "ms", "< 16", 1),
    Figure("inspector_load_ms", "inspector: open a model to its report shown", "ms", "", 0),
    Figure("inspector_stroke_ms", "inspector: drawing stroke to bars, median", "ms", "", 1),
    Figure("inspector_eval_s", "inspector: test set evaluated and shown", "s", "", 2),
    Figure("train_peak_rss_mb", "training process peak memory (VmHWM)", "MB", "", 0),
)
KEYS = tuple(figure.key for figure in FIGURES)


def empty_results() -> dict:
    return dict.fromkeys(KEYS)


def _value_text(figure: Figure, value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:,.{figure.digits}f}"


def _meets(figure: Figure, value) -> str:
    """"yes", "no" or "" (no target, or not measured)."""
    if not figure.target or value is None:
        return ""
    target = figure.target
    if target in ("true", "false"):
        return "yes" if value == (target == "true") else "no"
    operator, number = target.split()
    met = {">=": value >= float(number), "<": value < float(number)}[operator]
    return "yes" if met else "no"


def format_table(results: dict) -> str:
    """The figures as an aligned text table: name, value, unit, target, met."""
    rows = [("figure", "value", "unit", "target", "met", "key")]
    for figure in FIGURES:
        value = results.get(figure.key)
        rows.append((figure.label, _value_text(figure, value), figure.unit, figure.target, _meets(figure, value), figure.key))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])] + [cell.ljust(width) for cell, width in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


def json_line(results: dict) -> str:
    """One JSON object with exactly the KEYS, in order; floats to 3 decimals, NaN or infinity null."""

    def clean(value):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return round(value, 3) if isinstance(value, float) else value

    return json.dumps({key: clean(results.get(key)) for key in KEYS})
