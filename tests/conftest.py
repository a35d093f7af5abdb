import contextlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory):
    """A plan cache of this test session only (shared with the subprocesses it starts)."""
    d = tmp_path_factory.mktemp("marsviz-cache")
    old = os.environ.get("MARSVIZ_CACHE_DIR")
    os.environ["MARSVIZ_CACHE_DIR"] = str(d)
    yield d
    if old is None:
        os.environ.pop("MARSVIZ_CACHE_DIR", None)
    else:
        os.environ["MARSVIZ_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def scenario():
    from marsviz.mission import load_scenario

    return load_scenario()


@pytest.fixture(scope="session")
def plan(scenario, cache_dir):
    from marsviz.mission import build_plan

    return build_plan(scenario)


@pytest.fixture(scope="session")
def small_scenario_text():
    return (DATA / "small.toml").read_text()


def run_cli(*args, env=None, timeout=600, cwd=None):
    """Run ``python -m marsviz`` in a subprocess; returns CompletedProcess with text output."""
    import subprocess

    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "marsviz", *args], capture_output=True, text=True,
                          env=e, timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL)


@pytest.fixture
def window(qtbot, plan):
    """The main window on the Olympus plan, shown, active and closed after the test."""
    from marsviz.gui.app import application
    from marsviz.gui.window import MainWindow

    application()
    win = MainWindow(plan)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.raise_()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=20000)
    qtbot.wait(50)
    yield win
    if win.tour is not None:
        win.tour.stop()
    win.close()


@contextlib.contextmanager
def offscreen_scene(plan, size):
    """The mission scene on an off-screen plotter of ``size`` pixels, closed afterwards."""
    import pyvista as pv

    from marsviz.scene.scene import MissionScene

    p = pv.Plotter(off_screen=True, window_size=size)
    s = MissionScene(p, plan)
    try:
        yield s
    finally:
        s.close()
        p.close()
        p.deep_clean()


@pytest.fixture(scope="module")
def scene(request, plan):
    """The mission scene off screen for a whole test module, at that module's ``SIZE``."""
    with offscreen_scene(plan, request.module.SIZE) as s:
        yield s


@contextlib.contextmanager
def frame_size(scene, size):
    """The scene drawn at ``size`` pixels for a while (the card then covers less of it)."""
    old = tuple(scene.p.window_size)
    scene.p.window_size = size
    scene.layout(*size)
    try:
        yield
    finally:
        scene.p.window_size = old
        scene.layout(*old)


def mars_disc_px(scene, plan):
    """Centre (pixels from the left and bottom) and radius (pixels) of the drawn Mars as seen
    now, from the camera's geometry (independent of the scene's own screen-space passes)."""
    import numpy as np

    centre = np.array(scene.planets.planet_actors["mars"].GetPosition())
    cam = scene.p.renderer.GetActiveCamera()
    d = np.linalg.norm(np.array(cam.GetPosition()) - centre)
    r = plan.constants["mars"]["R"] * scene.ctx.scales["mars"] / scene.world.km_per_unit
    ang = np.arcsin(min(1.0, r / d))
    r_px = np.tan(ang) / np.tan(np.radians(cam.GetViewAngle()) / 2) * scene.p.window_size[1] / 2
    return np.array(scene.world_to_display(centre)), float(r_px)


def olympus_text() -> str:
    """The built-in scenario's text (to edit in scenario tests)."""
    from marsviz.resources import default_scenario

    return default_scenario().read_text()


def scenario_error(text: str) -> str:
    """The one-line error a scenario text gives (it must give one)."""
    from marsviz.mission.scenario import ScenarioError, parse_scenario

    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.toml")
    return str(info.value)


def pytest_collection_modifyitems(config, items):
    """Everything that shows a window runs in one worker when the suite runs in parallel
    (``pytest -n 2 --dist loadgroup``): windows on one virtual screen would take each other's
    focus. The rest is spread over the workers."""
    for item in items:
        if "qtbot" in getattr(item, "fixturenames", ()) or item.get_closest_marker("gui"):
            item.add_marker(pytest.mark.xdist_group("display"))
