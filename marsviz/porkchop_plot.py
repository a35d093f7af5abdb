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


def draw(ax, plan, pc, leg=None, colorbar=True):
    """Draw one porkchop on ``ax``: C3 filled contours, arrival v∞ lines, TOF lines, the leg."""
    import matplotlib.dates as mdates

    clock = plan.clock
    x = mdates.date2num([clock.utc(t) for t in pc.dep])
    y = mdates.date2num([clock.utc(t) for t in pc.arr])
    c3 = pc.c3
    finite = c3[np.isfinite(c3)]
    if finite.size == 0:
        ax.text(0.5, 0.5, "no transfers", transform=ax.transAxes, ha="center")
        return None
    lo = float(np.floor(finite.min()))
    ref = leg.c3 if leg is not None else float(np.percentile(finite, 20))
    hi = max(lo + 20.0, 2.5 * ref + 10.0)
    levels = np.linspace(lo, hi, 21)
    cf = ax.contourf(x, y, np.clip(c3, lo, hi), levels=levels, cmap="viridis_r", extend="max")
    if colorbar:
        cb = ax.figure.colorbar(cf, ax=ax, pad=0.01)
        cb.set_label("departure C3 (v∞²), km²/s²")
    vl = np.unique(np.round(np.linspace(np.nanmin(pc.vinf_arr), min(np.nanmax(pc.vinf_arr),
                                                                     np.nanmin(pc.vinf_arr) + 12), 7), 1))
    if len(vl) > 1:
        cs = ax.contour(x, y, pc.vinf_arr, levels=vl, colors="#ff7043", linewidths=0.9)
        ax.clabel(cs, fmt="%.1f", fontsize=7, colors="#ff7043")
    tl = np.arange(50, 600, 50)
    ct = ax.contour(x, y, pc.tof, levels=tl, colors="white", linewidths=0.5, linestyles="dashed", alpha=0.6)
    ax.clabel(ct, fmt="%d d", fontsize=6, colors="white")
    if leg is not None:
        lx = mdates.date2num(clock.utc(leg.t_dep))
        ly = mdates.date2num(clock.utc(leg.t_arr))
        ax.plot([lx], [ly], marker="*", markersize=16, color="#ffeb3b", markeredgecolor="black", zorder=5)
        ax.annotate(f"chosen: C3 {leg.c3:.1f}, v∞ {leg.vinf_arr_kms:.1f} km/s", (lx, ly),
                    xytext=(8, 8), textcoords="offset points", color="white", fontsize=8,
                    bbox=dict(boxstyle="round", fc="black", alpha=0.6))
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

    from marsviz.mission.porkchop import around_leg

    legs = plan.crewed_trajectory.legs
    fig = Figure(figsize=(6.2 * len(legs), 5.6), dpi=110, layout="constrained")
    grids = []
    for i, leg in enumerate(legs):
        ax = fig.add_subplot(1, len(legs), i + 1)
        pc = around_leg(plan, leg, n)
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
