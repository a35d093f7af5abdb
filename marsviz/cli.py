"""The ``marsviz`` command.

``marsviz`` alone opens the mission window; the subcommands print the plan and the events,
export frames and video, run the classroom presentation, draw porkchop plots and build a
lesson pack. Heavy packages (astropy, numba, boinor, VTK, Qt) are imported only by the
subcommand that needs them, so ``marsviz --help`` answers at once.
"""

from __future__ import annotations

import time

_T_START = time.time()

import argparse  # noqa: E402
import os
import sys

from marsviz import __version__
from marsviz.errors import MarsvizError, UsageError


def _common(p: argparse.ArgumentParser, sub: bool = True) -> None:
    # On subcommands the defaults are suppressed, so that `marsviz --scenario F plan` keeps F.
    d = {"default": argparse.SUPPRESS} if sub else {}
    p.add_argument("--scenario", metavar="FILE",
                   help="scenario TOML file (default: the built-in Project Olympus)", **d)
    p.add_argument("--ephemeris", choices=("de421", "builtin"),
                   help="planetary ephemeris (default: the scenario's, JPL DE421)", **d)
    p.add_argument("--no-cache", action="store_true",
                   help="design the plan afresh instead of using the on-disk plan cache", **d)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="marsviz",
        description="Project Olympus, the crewed Mars mission of 'Race to Mars', in 3D on real "
                    "astrodynamics. With no command, opens the mission window.",
    )
    p.add_argument("--version", action="version", version=f"marsviz {__version__}")
    p.add_argument("--info", action="store_true",
                   help="print what a bug report needs (versions, OpenGL renderer, ffmpeg, files) and exit")
    _common(p, sub=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    g = sub.add_parser("gui", help="open the mission window (the default)")
    _common(g)
    g.add_argument("--screenshot", metavar="PNG",
                   help="save a picture of the window to this new PNG file, then close")
    g.add_argument("--at", metavar="DATE",
                   help="start with the playhead on this UTC date or event id (an event shows its "
                        "card, seen through the story's camera at that card)")
    from marsviz.export_args import CAMERAS

    g.add_argument("--camera", metavar="PRESET",
                   help=f"start with this camera preset ({', '.join(CAMERAS)}); with --at an event, "
                        "in place of the story's camera")

    pl = sub.add_parser("plan", help="print the designed mission: legs, burns, Δv, alternatives")
    _common(pl)
    pl.add_argument("--json", action="store_true", help="machine-readable output")

    ev = sub.add_parser("events", help="list every event with date, MET, phase, distance, light time")
    _common(ev)
    ev.add_argument("--json", action="store_true", help="machine-readable output")

    ex = sub.add_parser("export", help="render frames, an MP4 or a GIF without a screen")
    _common(ex)
    from marsviz.export_args import add_export_arguments

    add_export_arguments(ex)

    pr = sub.add_parser("present", help="full-screen guided tour for a class")
    _common(pr)
    pr.add_argument("--screenshot", metavar="PNG",
                    help="save a picture of the screen to this new PNG file, then close")
    pr.add_argument("--at", metavar="DATE", help="open the tour on this event id (or the first stop from this UTC date)")

    pk = sub.add_parser("porkchop", help="porkchop plots of the launch windows around the mission")
    _common(pk)
    pk.add_argument("--out", required=True, metavar="PNG", help="image file to write")
    pk.add_argument("--grid", type=int, default=200, metavar="N",
                    help="cells along each axis (default 200)")
    pk.add_argument("--overwrite", action="store_true", help="replace the image if it exists")

    ls = sub.add_parser("lesson", help="a still per event with captions, and an HTML index")
    _common(ls)
    ls.add_argument("--out", required=True, metavar="DIR", help="directory to write")
    ls.add_argument("--size", default="1280x720", metavar="WxH", help="image size (default 1280x720)")
    ls.add_argument("--overwrite", action="store_true",
                    help="replace the stills, index.html and lesson.json of an earlier pack")
    ls.add_argument("--progress", choices=("bar", "json", "none"), default="bar", help=argparse.SUPPRESS)
    return p


from marsviz.loading import load_plan, say as _stderr_progress  # noqa: E402


def _report(args, as_json: str, as_text: str) -> int:
    """Print one of :mod:`marsviz.mission.report`'s views of the plan, as JSON or as text."""
    import json

    from marsviz.mission import report

    _, plan = load_plan(args, None if args.json else _stderr_progress)
    if args.json:
        json.dump(getattr(report, as_json)(plan), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(getattr(report, as_text)(plan))
    return 0


def cmd_plan(args) -> int:
    return _report(args, "plan_dict", "plan_text")


def cmd_events(args) -> int:
    return _report(args, "events_list", "events_text")


def has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                    or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal"))
    return True


def require_display() -> None:
    if not has_display():
        raise UsageError("no display available: use 'marsviz export --out DIR' to render "
                         "without a screen, or run under 'xvfb-run marsviz'")


def check_camera(args) -> None:
    """``gui --camera``: a camera preset by its name (one line and exit code 2 otherwise)."""
    from marsviz.export_args import CAMERAS

    name = getattr(args, "camera", None)
    if name is not None and name not in CAMERAS:
        raise UsageError(f"--camera: unknown camera preset {name!r} (use {', '.join(CAMERAS)})")


def cmd_gui(args, present: bool = False) -> int:
    check_camera(args)
    require_display()
    from marsviz.gui.app import run

    return run(args, present=present)


def cmd_export(args) -> int:
    from marsviz.export import run_export

    return run_export(args)


def cmd_porkchop(args) -> int:
    from marsviz.porkchop_plot import run_porkchop

    return run_porkchop(args)


def cmd_lesson(args) -> int:
    from marsviz.lesson import run_lesson

    return run_lesson(args)


INFO_PACKAGES = ("numpy", "scipy", "astropy", "jplephem", "skyfield-data", "boinor", "numba", "vtk",
                 "pyvista", "pyvistaqt", "PySide6-Essentials", "imageio-ffmpeg", "dask", "distributed")


def info_text() -> str:
    """``marsviz --info``: versions, OpenGL renderer and backend, ffmpeg, ephemeris, cache."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    lines = [f"marsviz {__version__}",
             f"Python {platform.python_version()} on {platform.platform()}"]
    vers = []
    for name in INFO_PACKAGES:
        try:
            vers.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            vers.append(f"{name} missing")
    lines.append("packages: " + ", ".join(vers))
    try:
        from marsviz.export import gl_info

        g = gl_info()
        lines.append(f"OpenGL: {g['renderer']} ({g['vendor']}; {g['version']})")
        lines.append(f"off-screen backend: {g['backend']}, {g['kind']} rendering")
    except Exception as exc:  # noqa: BLE001 - a report must still print
        lines.append(f"OpenGL: unavailable ({type(exc).__name__}: {exc})")
    try:
        import imageio_ffmpeg

        lines.append(f"ffmpeg: {imageio_ffmpeg.get_ffmpeg_version()} at {imageio_ffmpeg.get_ffmpeg_exe()}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"ffmpeg: unavailable ({exc})")
    try:
        from marsviz.mission.ephemeris import de421_path

        lines.append(f"ephemeris file: {de421_path()}")
    except Exception as exc:  # noqa: BLE001
        lines.append(f"ephemeris file: unavailable ({exc})")
    from marsviz.mission.cache import cache_dir, shipped_path

    lines.append(f"plan cache directory: {cache_dir()}")
    p = shipped_path()
    lines.append(f"shipped plan: {p}" + ("" if p.is_file() else " (missing)"))
    lines.append(f"display: {os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY') or 'none'}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "info", False):
        sys.stdout.write(info_text())
        return 0
    handlers = {
        None: cmd_gui, "gui": cmd_gui, "plan": cmd_plan, "events": cmd_events,
        "export": cmd_export, "porkchop": cmd_porkchop, "lesson": cmd_lesson,
        "present": lambda a: cmd_gui(a, present=True),
    }
    if args.command is None:
        args.screenshot = None
        args.at = None
        args.camera = None
    try:
        return handlers[args.command](args) or 0
    except MarsvizError as exc:
        from marsviz.textsafe import safe_text

        # One line, whatever the scenario or the command line held (control characters escaped).
        print(f"marsviz: error: {safe_text(exc)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("marsviz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0


if __name__ == "__main__":
    sys.exit(main())
