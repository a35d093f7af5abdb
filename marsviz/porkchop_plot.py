"""Porkchop plots of the mission's legs (matplotlib), for ``marsviz porkchop`` and the design panel."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from marsviz.errors import OutputError
from marsviz.textsafe import safe_text

LEG_TITLES = {"earth": "Earth", "venus": "Venus", "mars": "Mars", "mercury": "Mercury"}


def leg_label(leg) -> str:
    return f"{LEG_TITLES[leg.from_body]} → {LEG_TITLES[leg.to_body]}"


BASIN_FRACTION = 0.15  # the basin: C3 within this fraction of the colour range above the minimum
FRAME_CELLS = 41  # the coarse grid used to frame a leg's porkchop
FRAME_STEPS = 6  # how many times the frame may grow


def color_levels(lo: float, hi: float):
    """Contour levels on round numbers (5, 10, 20, 25, 50...) covering ``lo`` to ``hi``."""
    from matplotlib.ticker import MaxNLocator

    levels = MaxNLocator(nbins=20, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    levels = levels[(levels >= lo - 1e-9) | (np.arange(len(levels)) == len(levels) - 1)]
    if levels[0] > lo + 1e-9:
        levels = np.concatenate([[levels[0] - (levels[1] - levels[0])], levels])
    return levels


def color_ticks(levels):
    """Colour-bar ticks: every level, or every other one when there are many."""
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]).tick_values(levels[0], levels[-1])


def c3_range(c3, ref: float | None):
    """(lo, hi) of the C3 colours: from the grid's minimum to well above the reference leg."""
    finite = c3[np.isfinite(c3)]
    lo = float(np.floor(finite.min()))
    ref = float(np.percentile(finite, 20)) if ref is None else ref
    return lo, max(lo + 20.0, 2.5 * ref + 10.0)


def basin_mask(c3, ref: float | None = None):
    """Cells in the low-C3 basin: within ``BASIN_FRACTION`` of the colour range of the minimum."""
    lo, hi = c3_range(c3, ref)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(c3, nan=np.inf) <= lo + BASIN_FRACTION * (hi - lo)


def _edges_touched(mask):
    """Which sides of a (arrival, departure) mask the basin touches: dep0, dep1, arr0, arr1."""
    return mask[:, 0].any(), mask[:, -1].any(), mask[0, :].any(), mask[-1, :].any()


def frame_leg(plan, leg, dep_margin: float | None = None, arr_margin: float | None = None):
    """Departure and arrival date ranges (TDB days) around ``leg`` that hold its whole C3 basin.

    Starts from the usual margins around the leg and widens any side the basin touches, on a
    coarse grid, within the plan's ephemeris table."""
    from marsviz.mission.porkchop import ARRIVAL_MARGIN_DAYS, DEPARTURE_MARGIN_DAYS, grid

    lo_t, hi_t = plan.table.t0, plan.table.t_end
    dm = DEPARTURE_MARGIN_DAYS if dep_margin is None else dep_margin
    am = ARRIVAL_MARGIN_DAYS if arr_margin is None else arr_margin
    d = [max(lo_t, leg.t_dep - dm), min(hi_t, leg.t_dep + dm)]
    a = [max(lo_t, leg.t_arr - am), min(hi_t, leg.t_arr + am)]
    for _ in range(FRAME_STEPS):
        pc = grid(plan.table, plan.k_sun, leg.from_body, leg.to_body,
                  np.linspace(*d, FRAME_CELLS), np.linspace(*a, FRAME_CELLS))
        if not np.isfinite(pc.c3).any():
            break
        touched = _edges_touched(basin_mask(pc.c3, leg.c3))
        if not any(touched):
            break
        grow_d, grow_a = 0.35 * (d[1] - d[0]), 0.35 * (a[1] - a[0])
        before = (tuple(d), tuple(a))
        if touched[0]:
            d[0] = max(lo_t, d[0] - grow_d)
        if touched[1]:
            d[1] = min(hi_t, d[1] + grow_d)
        if touched[2]:
            a[0] = max(lo_t, a[0] - grow_a)
        if touched[3]:
            a[1] = min(hi_t, a[1] + grow_a)
        if (tuple(d), tuple(a)) == before:
            break  # at the ephemeris table's edge: nothing more to show
    return tuple(d), tuple(a)


def leg_grid(plan, leg, n: int = 200):
    """An ``n`` x ``n`` porkchop around ``leg``, framed so that its C3 basin is whole."""
    from marsviz.mission.porkchop import grid

    d, a = frame_leg(plan, leg)
    return grid(plan.table, plan.k_sun, leg.from_body, leg.to_body,
                np.linspace(*d, n), np.linspace(*a, n))


VINF_COLOR = "#ff7043"


def draw(ax, plan, pc, leg=None, colorbar=True):
    """Draw one porkchop on ``ax``: C3 filled contours, arrival v∞ lines, TOF lines, the leg."""
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    clock = plan.clock
    x = mdates.date2num([clock.utc(t) for t in pc.dep])
    y = mdates.date2num([clock.utc(t) for t in pc.arr])
    c3 = pc.c3
    finite = c3[np.isfinite(c3)]
    if finite.size == 0:
        ax.text(0.5, 0.5, "no transfers", transform=ax.transAxes, ha="center")
        return None
    lo, hi = c3_range(c3, leg.c3 if leg is not None else None)
    levels = color_levels(lo, hi)
    cf = ax.contourf(x, y, np.clip(c3, levels[0], levels[-1]), levels=levels, cmap="viridis_r",
                     extend="max")
    if colorbar:
        cb = ax.figure.colorbar(cf, ax=ax, pad=0.01, ticks=color_ticks(levels))
        cb.ax.yaxis.set_major_formatter("{x:g}")
        cb.set_label("departure C3 (v∞²), km²/s²")
    vmin = float(np.nanmin(pc.vinf_arr))
    vl = np.unique(np.round(np.linspace(vmin, min(float(np.nanmax(pc.vinf_arr)), vmin + 12), 7), 1))
    handles = []
    if len(vl) > 1:
        cs = ax.contour(x, y, pc.vinf_arr, levels=vl, colors=VINF_COLOR, linewidths=0.9)
        ax.clabel(cs, fmt="%.1f", fontsize=7, colors=VINF_COLOR)
        handles.append(Line2D([], [], color=VINF_COLOR, lw=1.2,
                              label=f"arrival v∞ at {LEG_TITLES[pc.arr_body]}, km/s"))
    tl = np.arange(50, 600, 50)
    ct = ax.contour(x, y, pc.tof, levels=tl, colors="white", linewidths=0.5, linestyles="dashed", alpha=0.6)
    ax.clabel(ct, fmt="%d d", fontsize=6, colors="white")
    handles.append(Line2D([], [], color="white", lw=0.8, ls="--", label="time of flight, days"))
    if leg is not None:
        lx = mdates.date2num(clock.utc(leg.t_dep))
        ly = mdates.date2num(clock.utc(leg.t_arr))
        ax.plot([lx], [ly], marker="*", markersize=16, color="#ffeb3b", markeredgecolor="black", zorder=5)
        right = lx > 0.5 * (x[0] + x[-1])  # the label on the side with room for it
        note = ax.annotate(f"chosen: C3 {leg.c3:.1f}, v∞ {leg.vinf_arr_kms:.1f} km/s", (lx, ly),
                           xytext=(-10 if right else 10, 8), textcoords="offset points",
                           ha="right" if right else "left", color="white", fontsize=8,
                           bbox=dict(boxstyle="round", fc="black", alpha=0.6), zorder=7)
        note.set_in_layout(False)  # a label never shrinks the plot
        handles.append(Line2D([], [], ls="", marker="*", markersize=11, color="#ffeb3b",
                              markeredgecolor="black", label="designed leg"))
    leg_box = ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.75,
                        facecolor="#0b1220", edgecolor="#3a4660", labelcolor="white")
    leg_box.set_zorder(6)
    ax.xaxis_date()
    ax.yaxis_date()
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.yaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    for lab in ax.get_xticklabels():
        lab.set_rotation(30)
        lab.set_ha("right")
    ax.set_xlabel(f"departure from {LEG_TITLES[pc.dep_body]} (UTC)")
    ax.set_ylabel(f"arrival at {LEG_TITLES[pc.arr_body]} (UTC)")
    return cf


def figure(plan, n: int = 200):
    """A figure with one porkchop per leg of the crewed trajectory; returns (fig, grids)."""
    from matplotlib.figure import Figure

    legs = plan.crewed_trajectory.legs
    fig = Figure(figsize=(6.2 * len(legs), 5.6), dpi=110, layout="constrained")
    grids = []
    for i, leg in enumerate(legs):
        ax = fig.add_subplot(1, len(legs), i + 1)
        pc = leg_grid(plan, leg, n)
        draw(ax, plan, pc, leg)
        ax.set_title(f"Leg {i + 1}: {leg_label(leg)}   departs {plan.clock.day(leg.t_dep)}")
        grids.append(pc)
    tn = plan.crewed_trajectory
    fig.suptitle(f"{plan.title}: {tn.sequence_name}, total Δv {tn.total_dv:.2f} km/s "
                 f"(heliocentric Lambert, {plan.ephemeris.upper()})")
    return fig, grids


def run_porkchop(args) -> int:
    from marsviz.loading import load_plan
    from marsviz.errors import UsageError

    if not 10 <= args.grid <= 1000:
        raise UsageError(f"--grid: {args.grid} is outside 10 to 1000")
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out: {args.out}: the porkchop is written as a .png file")
    _, plan = load_plan(args)
    overwrite = getattr(args, "overwrite", False)
    from marsviz import safeio

    safeio.check_destination(out, overwrite)  # before the minutes of computing, not after
    fig, _ = figure(plan, args.grid)
    save_png(fig, out, overwrite)
    print(f"marsviz: wrote {safe_text(out)}", file=sys.stderr)
    return 0


def save_png(fig, out: Path, overwrite: bool = False) -> None:
    """Save ``fig`` as PNG through :mod:`marsviz.safeio`: never over a file unless ``overwrite``."""
    from marsviz import safeio

    try:
        with safeio.atomic_path(out, overwrite) as tmp:
            fig.savefig(tmp, format="png")
    except OSError as exc:
        raise OutputError(f"{out}: cannot write: {safeio.describe_os_error(exc)}") from None
