"""Where a path changes frame near a planet it may bend, but not make a corner of its own: the
frame weights along a path have no kink (their slope, scaled by the time from the ship, would
be a jump in the drawn line's direction), and on screen, around each encounter of Terra Nova,
no drawn vertex turns more than BOUND degrees beyond what the true trajectories (planet-centred
and Sun-centred) turn there (see tests/path_turns.py)."""

import numpy as np
import pytest

from marsviz.scene import paths
from tests.path_turns import aim, worst_turns

pytestmark = pytest.mark.render
SIZE = (960, 540)
#: Degrees a drawn vertex (arms of 4 px) may turn beyond the true trajectories. What is left
#: is the bend a path needs to get from a planet's frame to the Sun's, seen nearly end-on (up to
#: 124 degrees in the earth-approach preset; see marsviz/scene/paths.py), and the onset of the
#: month-old arcs of the Mars stay (107 at 100 radii); the corner where a path's weight fell
#: below the ship's made 161 (mars_arrival - 0.3 d, 100 radii).
BOUND = 135.0
DIRS = [(0.3, -0.8, 0.52), (1.0, 0.2, 0.05), (-0.2, 0.9, -0.4)]


def test_the_frame_weights_along_a_path_have_no_kink():
    """The ship in the blend (45 planet radii out, its own weight just below 1) and a path
    that nears the planet and leaves it again a month later (an arrival, a stay, the
    departure): the frame time ``f = tau + w (t - tau)`` of the samples beyond the ship changes
    slope smoothly (sampled every 0.86 s, no step of its slope over 0.1), also where the
    departure's own weight falls below the ship's."""
    tau = np.linspace(0.0, 40.0, 4_000_001)
    # planet-centred distance (radii): in from 60 to 2 by day 1.16, out again from day 31
    d = np.where(tau < 1.16, 60.0 - 50.0 * tau, np.where(tau < 31.0, 2.0, 2.0 + 110.0 * (tau - 31.0)))
    wd = paths.frame_weight(d)
    t = 0.3  # the ship at 45 radii
    assert 0.99 < np.interp(t, tau, wd) < 1.0
    w = paths.path_weights(wd, tau, t)
    assert np.all(np.diff(w[tau > t]) <= 1e-15)  # never rises away from the ship
    f = paths.frame_times(tau, w, t)
    slope = np.diff(f) / np.diff(tau)
    assert np.all(slope >= -1e-9)  # the frame time never runs backwards
    beyond = tau[1:] > 31.0
    assert slope[beyond].max() > 100.0  # the departure does move into the Sun's frame, fast
    jump = np.abs(np.diff(slope))[beyond[1:]]
    assert jump.max() < 0.1, jump.max()  # before: 0.84 at 45 radii out (a corner)


def cases(plan):
    """(what, instant, camera: a preset name or (planet, radii, direction))."""
    ms = plan.milestones
    out = []
    for name, body, preset in [("earth_departure", "earth", None),
                               ("venus_flyby_outbound", "venus", "venus-flyby"),
                               ("mars_arrival", "mars", "mars-arrival"),
                               ("mars_departure", "mars", "mars-arrival"),
                               ("earth_arrival", "earth", "earth-approach")]:
        for dt in (-1.0, -0.3, 0.0, 0.3, 3.0):
            t = float(plan.clamp(ms[name] + dt))
            if preset:
                out.append(((name, dt, preset), t, preset))
            for z in (10.0, 30.0, 100.0, 300.0):
                for i, d in enumerate(DIRS):
                    out.append(((name, dt, z, i), t, (body, z, d)))
    return out


def test_drawn_paths_make_no_corner_the_true_trajectories_do_not_have(scene, plan):
    worst, where, n = 0.0, None, 0
    for what, t, cam in cases(plan):
        scene.set_time(t)
        if isinstance(cam, str):
            scene.set_camera(cam)
        else:
            aim(scene, *cam)
        turns = worst_turns(scene, arm_px=4.0)
        n += 1
        if turns and turns[0].excess > worst:
            worst, where = turns[0].excess, (what, turns[0])
    assert n > 250
    assert worst < BOUND, where
