"""Porkchop grids against independent single Lambert solves; the PNG command."""

import numpy as np
import pytest
from PIL import Image

from marsviz.mission import engine
from marsviz.mission.porkchop import around_leg, grid, transfer_path
from tests.conftest import run_cli


def test_cells_match_single_heliocentric_solves(plan):
    leg = plan.crewed_trajectory.legs[0]
    pc = around_leg(plan, leg, n=60)
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(12):
        i, j = rng.integers(0, 60, size=2)
        if not np.isfinite(pc.c3[i, j]):
            continue
        t_dep, t_arr = pc.dep[j], pc.arr[i]
        r1, v1 = plan.table.state(leg.from_body, float(t_dep))
        r2, v2 = plan.table.state(leg.to_body, float(t_arr))
        dv_dep, dv_arr = engine.maneuver_lambert_dv(r1, v1, t_dep, r2, v2, t_arr)
        assert pc.c3[i, j] == pytest.approx(dv_dep**2, rel=1e-6)
        assert pc.vinf_arr[i, j] == pytest.approx(dv_arr, rel=1e-6)
        assert pc.tof[i, j] == pytest.approx(t_arr - t_dep)
        checked += 1
    assert checked >= 6


def test_the_chosen_legs_lie_on_their_plots(plan):
    for leg in plan.crewed_trajectory.legs:
        pc = around_leg(plan, leg, n=40)
        assert pc.dep[0] <= leg.t_dep <= pc.dep[-1]
        assert pc.arr[0] <= leg.t_arr <= pc.arr[-1]
        exact = grid(plan.table, plan.k_sun, leg.from_body, leg.to_body, [leg.t_dep], [leg.t_arr])
        assert exact.c3[0, 0] == pytest.approx(leg.c3, rel=1e-9)
        assert exact.vinf_arr[0, 0] == pytest.approx(leg.vinf_arr_kms, rel=1e-9)
        row, col = pc.cell(leg.t_dep, leg.t_arr)
        assert abs(pc.dep[col] - leg.t_dep) <= (pc.dep[1] - pc.dep[0])
        # The chosen leg is a low-C3 point of its neighbourhood (within the grid's resolution).
        assert pc.c3[row, col] == pytest.approx(leg.c3, rel=0.15)


def test_arrival_before_departure_is_empty(plan):
    pc = grid(plan.table, plan.k_sun, "earth", "mars", [plan.epoch + 10], [plan.epoch])
    assert np.isnan(pc.c3[0, 0]) and np.isnan(pc.tof[0, 0])


def test_transfer_preview_joins_the_two_planets(plan):
    leg = plan.crewed_trajectory.legs[2]
    path = transfer_path(plan, "mars", "earth", leg.t_dep + 5, leg.t_arr - 5)
    np.testing.assert_allclose(path[0], plan.body_state("mars", leg.t_dep + 5)[0], atol=1e-6)
    assert np.linalg.norm(path[-1] - plan.body_state("earth", leg.t_arr - 5)[0]) < 1e-2


def test_porkchop_png_is_written(plan, tmp_path):
    out = tmp_path / "pork.png"
    res = run_cli("porkchop", "--out", str(out), "--grid", "40")
    assert res.returncode == 0, res.stderr
    img = Image.open(out)
    assert img.size[0] > 1500 and img.size[1] > 400  # three legs side by side
    assert np.asarray(img.convert("RGB")).std() > 20
    res = run_cli("porkchop", "--out", str(tmp_path / "pork.jpg"))
    assert res.returncode == 2 and "written as a .png" in res.stderr


def _is_round(v: float) -> bool:
    """A multiple of 1, 2, 2.5 or 5 times a power of ten (the C3 axis has no 23.56)."""
    if v == 0:
        return True
    m = abs(v) / 10 ** np.floor(np.log10(abs(v)))
    return any(np.isclose(m, k) for k in (1, 2, 2.5, 5, 10))


@pytest.fixture(scope="module")
def pork_figure(plan):
    from marsviz.porkchop_plot import figure

    return figure(plan, n=40)


def test_porkchop_colour_bar_ticks_are_round_and_evenly_spaced(pork_figure):
    fig, _ = pork_figure
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 3
    for cb in bars:
        ticks = [t for t in cb.get_yticks() if cb.get_ylim()[0] <= t <= cb.get_ylim()[1]]
        assert len(ticks) >= 4
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0])
        assert _is_round(steps[0]) and all(np.isclose(t / steps[0], round(t / steps[0])) for t in ticks)
        labels = [lab.get_text() for lab in cb.get_yticklabels() if lab.get_text()]
        assert all("." not in s for s in labels), labels  # 10, 20, 30: never 14.00 or 23.56


def test_porkchop_legend_names_the_arrival_vinf_lines(pork_figure):
    fig, _ = pork_figure
    plots = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    names = {"Earth → Venus": "Venus", "Venus → Mars": "Mars", "Mars → Earth": "Earth"}
    for ax, body in zip(plots, names.values()):
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts == [f"arrival v∞ at {body}, km/s", "time of flight, days", "designed leg"]
        # The legend's first line is drawn in the colour of the v∞ contours.
        assert ax.get_legend().get_lines()[0].get_color() == "#ff7043"


def test_each_legs_c3_basin_lies_inside_its_plot(plan, pork_figure):
    from marsviz.porkchop_plot import basin_mask

    _, grids = pork_figure
    for leg, pc in zip(plan.crewed_trajectory.legs, grids):
        mask = basin_mask(pc.c3, leg.c3)
        assert mask.sum() > 20
        # A side the basin touches is only the end of the ephemeris table (Venus to Mars: the
        # long transfers run past the end of 2031), never a frame drawn too tight.
        lo, hi = plan.table.t0, plan.table.t_end
        for side, limit in ((mask[:, 0], pc.dep[0] - lo), (mask[:, -1], hi - pc.dep[-1]),
                            (mask[0], pc.arr[0] - lo), (mask[-1], hi - pc.arr[-1])):
            assert not side.any() or limit < 1e-6, f"{leg.from_body}->{leg.to_body}: basin cut"
        # The lowest C3 of the plot is an interior cell, not cut off by the frame.
        row, col = np.unravel_index(np.nanargmin(pc.c3), pc.c3.shape)
        assert 0 < row < pc.c3.shape[0] - 1 and 0 < col < pc.c3.shape[1] - 1
    for i in (0, 2):  # the two legs whose basins the old frame cut are now whole
        mask = basin_mask(grids[i].c3, plan.crewed_trajectory.legs[i].c3)
        assert not np.concatenate([mask[0], mask[-1], mask[:, 0], mask[:, -1]]).any()
        assert pc.dep[0] <= leg.t_dep <= pc.dep[-1] and pc.arr[0] <= leg.t_arr <= pc.arr[-1]


def test_the_old_frame_cut_the_basins_of_legs_one_and_three(plan):
    """The fixed margins around a leg cut its basin: the framing is what keeps it whole."""
    from marsviz.porkchop_plot import basin_mask

    legs = plan.crewed_trajectory.legs
    for i in (0, 2):
        mask = basin_mask(around_leg(plan, legs[i], n=40).c3, legs[i].c3)
        assert np.concatenate([mask[0], mask[-1], mask[:, 0], mask[:, -1]]).any()
