"""The Mars surface in the model: where the landers and the structures of a site stand, and the
scenario's checks of those places (no rendering here; see test_scene_ships.py)."""

import math

import numpy as np
import pytest

from marsviz.mission.local import place_fixed
from marsviz.scene import models
from tests.conftest import olympus_text, scenario_error


def _line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_landers_stand_side_by_side_at_the_base(plan):
    """Atlantis at the base's centre, Gagarin 90 m west of it, both on the reference sphere:
    far more apart than their half-spans (6.2 m and 5.7 m), so the models never touch."""
    t = next(e.t for e in plan.mission_events if e.id == "water")
    R = plan.constants["mars"]["R"]
    ra = np.asarray(plan.local_state("atlantis", t, "mars")[0])
    rg = np.asarray(plan.local_state("gagarin", t, "mars")[0])
    assert np.linalg.norm(ra) == pytest.approx(R, abs=1e-6)
    assert np.linalg.norm(rg) == pytest.approx(R, abs=1e-6)
    rot = np.asarray(plan.body_rotation("mars", t))
    site = rot @ plan.site_fixed("base")
    assert np.linalg.norm(ra - site) * 1000 < 0.01
    # 90 m along the local west: east is z x up in the body frame.
    up = site / np.linalg.norm(site)
    east = rot @ np.cross([0.0, 0.0, 1.0], plan.site_fixed("base"))
    east /= np.linalg.norm(east)
    d = (rg - ra) * 1000.0
    assert float(np.dot(d, east)) == pytest.approx(-90.0, abs=0.01)
    assert abs(float(np.dot(d, up))) < 0.01  # on the curved ground: 1.2 mm below the tangent
    half = {n: models.SIZES[n].span_y_m / 2 for n in ("atlantis", "gagarin")}
    assert np.linalg.norm(d) > 5 * (half["atlantis"] + half["gagarin"])


def test_place_fixed_is_metres_east_and_north_on_the_sphere(plan):
    s = plan.sites["well"]
    lat, lon = math.radians(s["latitude_deg"]), math.radians(s["longitude_deg"])
    R = plan.constants["mars"]["R"]
    p = place_fixed(plan, "well", 300.0, -200.0)
    assert np.linalg.norm(p) == pytest.approx(R, rel=1e-12)
    # Independently: latitude and longitude moved by the arc lengths.
    plat = math.asin(p[2] / R)
    plon = math.atan2(p[1], p[0])
    assert (plat - lat) * R * 1000 == pytest.approx(-200.0, abs=0.05)
    assert (plon - lon) * R * math.cos(lat) * 1000 == pytest.approx(300.0, abs=0.05)
    np.testing.assert_array_equal(place_fixed(plan, "well"), plan.site_fixed("well"))


def test_the_well_structures_are_built_when_the_story_says(plan):
    ev = {e.id: e for e in plan.mission_events}
    st = {x["model"]: x for x in plan.sites["well"]["structures"]}
    assert set(st) == {"drill_rig", "well_head"}
    # The rig stands before the dust devil wrecks it and through the re-drilling; the well
    # head comes with the water.
    assert st["drill_rig"]["t_built"] < ev["dust-devil"].t < ev["drilling"].t
    assert st["drill_rig"]["t_built"] > ev["landing"].t
    assert st["well_head"]["t_built"] == pytest.approx(ev["water"].t, abs=1e-9)
    assert all(m in models.STRUCTURES for m in st)


@pytest.mark.parametrize("name", list(models.STRUCTURES))
def test_structure_models_have_their_parts_and_documented_size(name):
    mesh = models.build_structure(name)
    assert models.STRUCTURE_PARTS[name] <= models.parts_of(mesh)
    b = np.array(mesh.bounds).reshape(3, 2) * 1000.0
    size = models.STRUCTURE_SIZES[name]
    for (lo, hi), want in zip(b, (size.length_m, size.span_y_m, size.span_z_m)):
        assert hi - lo == pytest.approx(want, abs=0.1)
    assert b[0, 0] == pytest.approx(0.0, abs=1e-6)  # standing on the ground (x up from 0)
    rgb = np.asarray(mesh.cell_data["RGB"])
    part = np.asarray(mesh.cell_data["part"])
    for i in np.unique(part):
        assert (rgb[part == i] == models.PART_COLORS[models.PARTS[i]]).all()


def test_drill_rig_is_a_tall_mast_over_the_hole_with_the_pipe_on_its_axis():
    mesh = models.build_structure("drill_rig")
    part = np.asarray(mesh.cell_data["part"])

    def pts(name):
        sel = mesh.extract_cells(np.flatnonzero(part == models.PARTS.index(name)))
        return np.asarray(sel.points) * 1000.0

    mast = pts("derrick")
    assert mast[:, 0].max() == pytest.approx(14.0, abs=0.01)
    high = mast[mast[:, 0] > 10.0]
    assert np.abs(high[:, 1:]).max() < 1.0  # the mast narrows to its crown over the hole
    pipe = pts("drill_pipe")
    hanging = pipe[pipe[:, 0] > 3.0]
    assert np.abs(hanging[:, 1:]).max() < 0.1  # the drill string hangs on the hole's axis


def test_a_lander_offset_out_of_range_is_one_line_naming_the_field():
    text = olympus_text().replace("east_m = -90 }", "east_m = -9000 }", 1)
    line = _line_of(text, "visits = [")  # the line of the array that holds the visit
    assert scenario_error(text) == f"bad.toml:{line}: sites.base.visits[1].east_m: -9000 is outside -2000 to 2000"


def test_a_lander_offset_must_be_a_number():
    text = olympus_text().replace("east_m = -90 }", 'east_m = "west" }', 1)
    line = _line_of(text, "visits = [")
    assert scenario_error(text) == f"bad.toml:{line}: sites.base.visits[1].east_m: expected a number, got str 'west'"


def test_an_unknown_structure_model():
    text = olympus_text().replace('model = "well_head"', 'model = "windmill"', 1)
    line = _line_of(text, "structures = [")
    assert scenario_error(text) == (f"bad.toml:{line}: sites.well.structures[1].model: unknown model 'windmill' "
                            "(known: drill_rig, well_head)")


def test_a_structure_needs_a_built_time_in_the_events_syntax():
    text = olympus_text().replace('built = "mars_arrival + 24 d"', 'built = "mars_arival + 24 d"', 1)
    assert "sites.well.structures[1].built: unknown milestone 'mars_arival' for terra_nova" in scenario_error(text)
    text = olympus_text().replace('{ model = "well_head", built = "mars_arrival + 24 d" }',
                              '{ model = "well_head" }', 1)
    assert scenario_error(text).endswith("sites.well.structures[1]: missing required field 'built'")


def test_a_structure_with_an_unknown_field():
    text = olympus_text().replace('{ model = "well_head",', '{ model = "well_head", depth_m = 40,', 1)
    assert scenario_error(text).endswith("sites.well.structures[1].depth_m: unknown field "
                                 "(expected one of: built, east_m, model, north_m)")
