"""Bar charts as inline SVG, drawn on the server: no JavaScript, readable when printed, accessible by title."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 240
LEFT, BOTTOM, TOP, RIGHT = 48, 36, 12, 8
MAX_X_LABELS = 8
MAX_BAR_WIDTH = 48


def _nice_ceiling(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def bar_chart(points: list[tuple[str, float]], title: str, unit: str,
              empty: str = "No viewing recorded yet.") -> Markup:
    """A labelled bar chart of ``(label, value)`` points; each bar carries its exact value as a tooltip."""
    chart_id = "chart-" + "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    if not points:
        return Markup(f'<p class="chart-empty muted">{escape(empty)}</p>')
    top = _nice_ceiling(max(value for _, value in points))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)
    bar_w = min(MAX_BAR_WIDTH, max(1.0, slot * 0.8))
    label_every = max(1, -(-len(points) // MAX_X_LABELS))
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}" '
             f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}">{escape(title)}</title>']
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(top * fraction)}</text>')
    for index, (label, value) in enumerate(points):
        height = plot_h * value / top
        x = LEFT + index * slot + (slot - bar_w) / 2
        parts.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}" height="{height:.1f}">'
                     f'<title>{escape(label)}: {_number(value)} {escape(unit)}</title></rect>')
        if index % label_every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 4}" class="unit">{escape(unit)}</text></svg>')
    return Markup("".join(parts))
