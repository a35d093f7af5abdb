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
