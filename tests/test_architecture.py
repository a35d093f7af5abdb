"""Layering: the model knows nothing of Qt or VTK; boinor is reached through one module."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    res = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                          "lint_imports_command()"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 4 kept, 0 broken." in res.stdout


def test_mission_model_loads_no_gui_modules():
    code = ("import sys\nfrom marsviz.mission import load_scenario, build_plan\n"
            "import marsviz.mission.design, marsviz.mission.plan, marsviz.mission.report\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'vtk', 'vtkmodules', "
            "'pyvista', 'pyvistaqt', 'matplotlib')]\nprint('BAD', bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "BAD []" in out.stdout, out.stdout + out.stderr


def test_boinor_is_imported_only_by_the_engine():
    offenders = []
    for path in (ROOT / "marsviz").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("boinor", "poliastro") for n in names):
                offenders.append(path.relative_to(ROOT).as_posix())
    assert sorted(set(offenders)) == ["marsviz/mission/engine.py"]


def test_first_frame_needs_no_orbital_mechanics_engine(plan):
    """A cached plan gives its paths, event places and heliocentric positions without numba or
    boinor, so the window opens fast. (The ship's planet-centred state, which the scene's ships
    and the telemetry read, propagates its local conics with the engine.)"""
    code = ("import sys\nfrom marsviz.mission import load_scenario, build_plan\n"
            "p = build_plan(load_scenario())\nassert p.from_cache\n"
            "[p.path(c) for c in p.trajectories]\n"
            "[p.event_location(e) for e in p.mission_events]\n"
            "[p.position(p.crewed, t) for t in p.milestones.values()]\n"
            "print('LOADED', [m for m in ('numba', 'boinor', 'marsviz.mission.engine') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr
