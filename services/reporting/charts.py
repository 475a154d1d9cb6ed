"""Server-side SVG charts (no JavaScript, no CDN): horizontal bars and stacked columns.

Every chart carries ``data-chart``; every bar carries ``data-label`` and ``data-value`` and a
visible number, so people, screen readers (``<title>``) and tests read the same figures.
"""

from __future__ import annotations

from markupsafe import Markup, escape

PALETTE = ("#1f5fa8", "#e07b00", "#2e8b57", "#b03060", "#6a5acd", "#8b8b00", "#008b8b")


def bars(chart: str, title: str, data: list[tuple[str, float]], unit: str = "") -> Markup:
    """One horizontal bar per (label, value); values shown at the bar's end."""
    width, row, left = 560, 26, 170
    top = max((v for _, v in data), default=0) or 1
    height = row * len(data) + 10
    parts = [_open(chart, title, width, height)]
    for i, (label, value) in enumerate(data):
        y = 5 + i * row
        w = (width - left - 70) * value / top
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(label)}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" '
            f'fill="{_colour(i)}" data-label="{escape(label)}" data-value="{value:g}">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 16}" font-size="13" class="value">'
            f"{escape(shown)}</text>"
        )
    if not data:
        parts.append('<text x="10" y="20" font-size="13">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(
    chart: str, title: str, columns: dict[str, dict[str, int]], series: list[str]
) -> Markup:
    """One column per key (e.g. month), stacked by series (e.g. channel), with a legend."""
    width, height, bottom, left = 640, 260, 40, 40
    n = max(len(columns), 1)
    top = max((sum(v.values()) for v in columns.values()), default=0) or 1
    step = (width - left - 10) / n
    plot = height - bottom - 30
    parts = [
        _open(chart, title, width, height),
        f'<text x="4" y="{30 + 10}" font-size="11">{top}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        'stroke="#555"/>',
    ]
    for i, (key, values) in enumerate(columns.items()):
        x = left + i * step + 2
        y = height - bottom
        for j, name in enumerate(series):
            value = values.get(name, 0)
            if not value:
                continue
            h = plot * value / top
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 4, 1):.1f}" height="{h:.1f}" '
                f'fill="{_colour(j)}" data-label="{escape(key)} {escape(name)}" '
                f'data-value="{value}"><title>{escape(key)} {escape(name)}: {value}</title>'
                "</rect>"
            )
        total = sum(values.values())
        parts.append(
            f'<text x="{x + step / 2 - 2:.1f}" y="{y - 3:.1f}" font-size="10" text-anchor="middle" '
            f'class="total" data-total="{total}">{total}</text>'
            f'<text x="{x + step / 2 - 2:.1f}" y="{height - bottom + 14}" font-size="9" '
            f'text-anchor="middle">{escape(key[2:] if len(key) == 7 else key)}</text>'
        )
    for j, name in enumerate(series):
        parts.append(
            f'<rect x="{left + j * 90}" y="{height - 14}" width="10" height="10" '
            f'fill="{_colour(j)}"/>'
            f'<text x="{left + j * 90 + 14}" y="{height - 5}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _open(chart: str, title: str, width: int, height: int) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'data-chart="{escape(chart)}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
