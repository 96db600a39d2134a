"""The report's charts, drawn with matplotlib and returned as inline SVG.

Every bar carries its 95 % interval. A suppressed row gets no bar, only the words
"skjult (n = …)" — "skjult, sekundært (n = …)" where it is hidden to protect another
group — so that it can never be read as 0. Output is byte-stable: fixed font,
no date in the metadata and a fixed salt for matplotlib's hashed ids.

matplotlib numbers the ids of every figure alike (figure_1, axes_1, the glyphs of the
font, …), so two charts in one page share ids: `with_id_prefix` makes a chart's ids its own.

Drawing is most of a page's time. A page names on each chart the digest of what it was drawn
from (`Drawing.key`: the function, its arguments, the prefix of its ids, the code and the
libraries), and the next page of the wave takes a chart of the same digest from it instead
of drawing it again (`Drawn`): the same inputs give the same bytes. A new version of a wave
whose estimates did not move (a later wave, when an earlier one changed) draws nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from pipelines.report import formatting as fmt
from pipelines.report.rows import MartRow

# matplotlib is imported where a chart is drawn: a report whose page is already up to date
# draws none, and importing it is a third of a second of every run (measured with make bench).
if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

SHARE_COLOR = "#3b6ea5"
PROMOTED_COLOR = "#2c7bb6"
INHIBITED_COLOR = "#d7301f"
MUTED = "#555555"
LABEL_WIDTH = 32  # characters per line of a wrapped category label
TITLE_WIDTH = 60  # characters per line of a wrapped panel title
BAR_HEIGHT = 0.34  # inches of figure height per bar
PANELS_PER_ROW = 3
X_AXIS_LABEL = "Andel, med 95 % konfidensintervall"
# no date (byte-stable output) and no creator or type (no version or URL in the page)
NO_METADATA = {"Date": None, "Creator": None, "Type": None, "Format": None}
# a fixed salt: matplotlib salts its hashed ids with a random one otherwise
HASH_SALT = "barometer-report"
# an id and the two ways matplotlib's SVG refers to one (xlink:href="#…", url(#…))
_ID_OR_REFERENCE = re.compile(r'( id="|href="#|url\(#)')
RC = {"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "path"}


@dataclass(frozen=True)
class Bar:
    label: str
    row: MartRow


@dataclass(frozen=True)
class Panel:
    title: str
    bars: tuple[Bar, ...]


def _percent_ticks() -> FuncFormatter:
    from matplotlib.ticker import FuncFormatter

    # both directions of a diverging axis read as a positive share
    return FuncFormatter(lambda x, _: f"{abs(100 * x):.0f}{fmt.NBSP}%")


def _wrap(label: str) -> str:
    return textwrap.fill(label, LABEL_WIDTH)


def _title(title: str) -> str:
    return textwrap.fill(title, TITLE_WIDTH)


def _suppressed(ax: Axes, x: float, y: float, row: MartRow, align: str) -> None:
    ax.text(
        x,
        y,
        fmt.suppressed(row),
        va="center",
        ha=align,
        color=MUTED,
        style="italic",
        fontsize=8,
        # white behind the words, so that an axis line at 0 does not cross them
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
    )


def draw_bars(ax: Axes, ys: list[float], rows: list[MartRow], color: str, sign: int = 1) -> None:
    """Horizontal bars with their intervals, one per row at its y; `sign` -1 draws them
    leftwards. One set of bars and one of intervals: a call per bar made every bar its own
    artists, and drawing those was a third of a chart's time (the same picture:
    tests/unit/report/test_report.py)."""
    shown = []
    for y, row in zip(ys, rows, strict=True):
        if row.estimate is None:
            _suppressed(ax, 0.01 * sign, y, row, "left" if sign > 0 else "right")
        else:
            shown.append((y, row))
    if shown:
        ax.barh(
            [y for y, _ in shown], [sign * r.estimate for _, r in shown], height=0.7, color=color
        )
    # a group published coarser (marts.md §8) withholds its interval: its bar stands alone
    ranged = [(y, r) for y, r in shown if r.ci_lower is not None and r.ci_upper is not None]
    if ranged:
        below = [r.estimate - r.ci_lower for _, r in ranged]
        above = [r.ci_upper - r.estimate for _, r in ranged]
        xs = [sign * r.estimate for _, r in ranged]
        ax.errorbar(
            xs,
            [y for y, _ in ranged],
            xerr=[below, above],
            fmt="none",
            ecolor="black",
            elinewidth=1,
            capsize=2,
        )


def share_chart(
    description: str,
    panels: list[Panel],
    *,
    x_label: str = X_AXIS_LABEL,
    columns: int | None = None,
    share_y: bool = False,
) -> str:
    """Panels of horizontal share bars, `columns` to a row (default: all in one row), each
    bar labelled with its estimate."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(RC):
        columns = columns or len(panels)
        lines = -(-len(panels) // columns)
        tallest = max(len(p.bars) for p in panels)
        height = lines * (0.9 + BAR_HEIGHT * tallest)
        fig = Figure(figsize=(max(6.0, 4.6 * columns), height), layout="constrained")
        grid = fig.subplots(lines, columns, sharey=share_y, squeeze=False)
        axes = [ax for line in grid for ax in line]
        for ax, panel in zip(axes, panels, strict=False):
            ys = range(len(panel.bars))
            draw_bars(ax, list(ys), [bar.row for bar in panel.bars], SHARE_COLOR)
            for y, bar in zip(ys, panel.bars, strict=True):
                if bar.row.ci_upper is not None and bar.row.estimate is not None:
                    ax.text(
                        bar.row.ci_upper + 0.015,
                        y,
                        fmt.value("", bar.row.estimate),
                        va="center",
                        fontsize=8,
                    )
            ax.set_yticks(list(ys), [_wrap(b.label) for b in panel.bars])
            ax.set_ylim(len(panel.bars) - 0.5, -0.5)
            ax.set_xlim(0, 1.18)
            ax.set_xticks([0, 0.25, 0.5, 0.75, 1])
            ax.xaxis.set_major_formatter(_percent_ticks())
            ax.set_title(_title(panel.title), loc="left", fontsize=10)
            ax.set_xlabel(x_label)
            ax.spines[["top", "right"]].set_visible(False)
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        return _svg(fig, description)


@dataclass(frozen=True)
class FactorPanel:
    title: str
    # item -> (promoted row, inhibited row); an item without rows in the group is absent
    rows: dict[str, tuple[MartRow, MartRow]]


def factor_chart(
    description: str, factors: list[tuple[str, str]], panels: list[FactorPanel]
) -> str:
    """Diverging bars per factor (item, label), top to bottom: inhibited to the left,
    promoted to the right, one panel per group."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    with matplotlib.rc_context(RC):
        columns = min(PANELS_PER_ROW, len(panels))
        lines = -(-len(panels) // columns)
        height = lines * (0.9 + BAR_HEIGHT * len(factors)) + 0.5
        fig = Figure(figsize=(4.2 * columns + 2.2, height), layout="constrained")
        grid = fig.subplots(lines, columns, sharey=True, sharex=True, squeeze=False)
        axes = [ax for line in grid for ax in line]
        for ax, panel in zip(axes, panels, strict=False):
            drawn = []  # (y, promoted, inhibited)
            for y, (item, _) in enumerate(factors):
                if item not in panel.rows:
                    continue
                promoted, inhibited = panel.rows[item]
                if promoted.estimate is None and inhibited.estimate is None:
                    # one group too small for both sides: say it once, across the middle
                    _suppressed(ax, 0, y, promoted, "center")
                    continue
                drawn.append((y, promoted, inhibited))
            ys = [y for y, _, _ in drawn]
            draw_bars(ax, ys, [i for _, _, i in drawn], INHIBITED_COLOR, sign=-1)
            draw_bars(ax, ys, [p for _, p, _ in drawn], PROMOTED_COLOR)
            ax.axvline(0, color="black", linewidth=0.8, zorder=0)
            ax.set_title(_title(panel.title), loc="left", fontsize=10)
            ax.spines[["top", "right"]].set_visible(False)
        for ax in axes[len(panels) :]:
            ax.set_visible(False)
        first = axes[0]
        first.set_yticks(range(len(factors)), [_wrap(label) for _, label in factors])
        first.set_ylim(len(factors) - 0.5, -0.5)
        first.set_xlim(-1, 1)
        first.set_xticks([-1, -0.5, 0, 0.5, 1])
        first.xaxis.set_major_formatter(_percent_ticks())
        for ax in grid[-1]:
            ax.set_xlabel("← hemmet   fremmet →")
        handles = [
            Patch(color=INHIBITED_COLOR, label="Hemmet i stor eller noen grad"),
            Patch(color=PROMOTED_COLOR, label="Fremmet i stor eller noen grad"),
        ]
        fig.legend(handles=handles, loc="outside upper center", ncols=2, frameon=False)
        return _svg(fig, description)


def _svg(fig: Figure, description: str) -> str:
    """The figure as an <svg> element for inline HTML, labelled for screen readers."""
    import matplotlib

    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": HASH_SALT}):
        fig.savefig(out, format="svg", metadata=NO_METADATA)
    document = out.getvalue()
    # drop the XML declaration and DOCTYPE, which have no place inside HTML
    element = document[document.index("<svg") :].strip()
    return element.replace("<svg ", f'<svg role="img" aria-label="{escape(description)}" ', 1)


def with_id_prefix(svg: str, prefix: str) -> str:
    """The chart with `prefix` and a hyphen before each of its ids and every reference to
    one: charts given different prefixes share no id."""
    return _ID_OR_REFERENCE.sub(lambda found: f"{found.group(1)}{prefix}-", svg)


@dataclass(frozen=True)
class Drawing:
    """A chart not drawn yet: ``draw`` (share_chart or factor_chart) and its arguments."""

    draw: Callable[..., str]
    args: tuple
    kwargs: tuple[tuple[str, object], ...]

    @classmethod
    def of(cls, draw: Callable[..., str], *args, **kwargs) -> Drawing:
        return cls(draw, args, tuple(sorted(kwargs.items())))

    def key(self, prefix: str, made_with: str) -> str:
        """sha256 of what the chart is drawn from, its ids prefixed with ``prefix``;
        ``made_with``: the digest of the code and libraries that draw it."""
        drawn_from = (made_with, prefix, self.draw.__name__, self.args, self.kwargs)
        return hashlib.sha256(repr(drawn_from).encode()).hexdigest()


# A chart of a page with the key of what it was drawn from (Drawn.svg); matplotlib's SVG
# holds no other <svg> element.
_DRAWN = re.compile(r'<svg data-chart="([0-9a-f]{64})" .*?</svg>', re.S)


@dataclass
class Drawn:
    """The charts of a page, by key: those an earlier page of the wave holds, and those
    drawn since. ``made_with``: the digest of the code and libraries that draw them."""

    made_with: str
    charts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def on_page(cls, page: str, made_with: str) -> Drawn:
        return cls(made_with, {found.group(1): found.group(0) for found in _DRAWN.finditer(page)})

    def svg(self, drawing: Drawing, prefix: str) -> str:
        """The chart of ``drawing``, its ids prefixed with ``prefix`` and its key on it: taken
        where it was drawn before, else drawn."""
        key = drawing.key(prefix, self.made_with)
        if key not in self.charts:
            svg = with_id_prefix(drawing.draw(*drawing.args, **dict(drawing.kwargs)), prefix)
            self.charts[key] = svg.replace("<svg ", f'<svg data-chart="{key}" ', 1)
        return self.charts[key]
