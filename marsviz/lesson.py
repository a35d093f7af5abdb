"""The lesson pack: one still per event, with its caption and key figures, and an HTML index."""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

from marsviz import safeio
from marsviz.errors import OutputError, UsageError
from marsviz.export import Progress, check_writable, render_image, write_png
from marsviz.export_args import parse_size
from marsviz.textsafe import safe_text
from marsviz.mission.plan import AU_KM, C_KMS
from marsviz.mission.report import story_vs_physics
from marsviz.mission.timescale import format_duration


def camera_for(ev) -> str:
    """A camera preset that frames the event: Mars for the surface, Earth near Earth..."""
    if ev.phase == "Mars stay" or (ev.era != "mission" and ev.where == "mars"):
        return "mars"
    if ev.phase in ("Earth departure", "Earth approach"):
        return "earth"
    if ev.phase.endswith("swing-by"):
        return "venus"
    if ev.phase in ("Outbound cruise", "Return cruise"):
        return "follow"
    return "overview"


def figures(plan, ev) -> dict:
    from marsviz.questions import answer, light_time_text

    if ev.earth_km is None:
        dist, light = "n/a (beyond the ephemeris)", "n/a"
    elif ev.earth_km < 1000.0:
        dist, light = "at Earth", "0 s"
    elif ev.earth_km < 0.1 * AU_KM:
        dist = f"{ev.earth_km / 1e6:,.2f} million km ({ev.earth_km / AU_KM:.3f} AU)"
        light = light_time_text(ev.earth_km / C_KMS)
    else:
        dist = f"{ev.earth_km / AU_KM:.2f} AU ({ev.earth_km / 1e6:,.0f} million km)"
        light = light_time_text(ev.earth_km / C_KMS)
    return {"date": plan.clock.date(ev.t), "met": plan.clock.met(ev.t), "distance": dist,
            "light_time": light, "phase": ev.phase, "where": plan.name_of(ev.where),
            "question": ev.question, "answer": answer(plan, ev) if ev.question else ""}


def still_camera(scene) -> dict:
    """Where a still was taken from: the scene's camera in heliocentric km (as a storyboard's
    CameraPose gives it), so a still can be framed again exactly."""
    cam = scene.p.renderer.GetActiveCamera()
    return {"focal_km": [float(x) for x in scene.world.to_km(cam.GetFocalPoint())],
            "position_km": [float(x) for x in scene.world.to_km(cam.GetPosition())],
            "up": [float(x) for x in cam.GetViewUp()], "view_angle_deg": float(cam.GetViewAngle())}


def run_lesson(args) -> int:
    from marsviz.loading import load_plan

    w, h = parse_size(args.size)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {args.out} exists and is not a directory")
    progress = getattr(args, "progress", "bar")
    _, plan = load_plan(args)
    check_writable(out)
    return build_lesson(plan, out, w, h, progress, overwrite=getattr(args, "overwrite", False))


def still_name(n: int, ev) -> str:
    return f"{n:02d}-{ev.id}.png"


def lesson_files(plan, out: Path) -> list[Path]:
    """Every file a lesson pack writes in ``out``."""
    return ([out / still_name(n, ev) for n, ev in enumerate(plan.events, 1)]
            + [out / "index.html", out / "lesson.json"])


def build_lesson(plan, out: Path, width: int, height: int, progress: str = "bar",
                 overwrite: bool = False) -> int:
    """Render the stills and write the index; nothing is replaced unless ``overwrite``.

    Every destination is checked before the first still is rendered, so a pack that could not
    be finished is refused at once, with every file in ``out`` left as it was.
    """
    for f in lesson_files(plan, out):
        safeio.check_destination(f, overwrite)
    try:
        return _build_lesson(plan, out, width, height, progress, overwrite)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write: {safeio.describe_os_error(exc)}") from None


def _build_lesson(plan, out: Path, width: int, height: int, progress: str, overwrite: bool) -> int:
    import pyvista as pv

    from marsviz.export import _offscreen_env
    from marsviz.scene.scene import MissionScene, SceneOptions

    from marsviz.story import Storyboard

    _offscreen_env()
    events = list(plan.events)
    sb = Storyboard.build(plan)
    shown_at = {c.event_id: c.start_s for c in sb.cards if c.kind != "question"}
    p = pv.Plotter(off_screen=True, window_size=(width, height))
    scene = MissionScene(p, plan, SceneOptions(card_mode="off"))
    scene.layout(width, height)
    bar = Progress(progress, len(events), 0, "Lesson stills")
    items = []
    cameras = {}
    try:
        for n, ev in enumerate(events, 1):
            if ev.id in shown_at:
                # The still is the storyboard's frame of the event: its shot, its instant.
                st = sb.at(shown_at[ev.id])
                scene.apply(st)
                scene.set_signal(None)
            else:
                scene.set_time(float(min(max(ev.t, plan.span[0]), plan.span[1])))
                scene.set_camera(camera_for(ev))
            scene.show_event_card(ev)
            f = figures(plan, ev)
            scene.set_footer(f"From Earth: {f['distance']}    One-way light time: {f['light_time']}")
            name = still_name(n, ev)
            write_png(out / name, render_image(p), overwrite)
            items.append((name, ev, f))
            cameras[name] = still_camera(scene)
            bar.update(n)
    finally:
        bar.close()
        scene.close()
        p.close()
    safeio.write_text(out / "index.html", index_html(plan, items), overwrite)
    safeio.write_text(out / "lesson.json", json.dumps(
        [{"file": name, "id": ev.id, "title": ev.title, **f, "camera": cameras[name]} for name, ev, f in items],
        indent=1), overwrite)
    if progress == "json":
        print(json.dumps({"stage": "done", "done": len(items), "total": len(items), "out": str(out)}), flush=True)
    else:
        print(f"marsviz: wrote {len(items)} stills and {safe_text(out / 'index.html')}", file=sys.stderr)
    return 0


def index_html(plan, items) -> str:
    tn = plan.crewed_trajectory
    svp = story_vs_physics(plan)
    cards = []
    for name, ev, f in items:
        src = ev.source_label.capitalize()
        if ev.assumed:
            src += f" (assumed: {html.escape(ev.assumed)})"
        ask = ""
        if ev.question:
            ask = (f'<p class="question"><b>Ask first:</b> {html.escape(ev.question)}</p>\n')
        reply = ""
        if f.get("answer"):
            reply = f'<p class="answer">{html.escape(f["answer"])}</p>\n'
        cards.append(f"""<section class="event {html.escape(ev.category)}" id="{html.escape(ev.id)}">
{ask}<img src="{html.escape(name)}" alt="{html.escape(ev.title)}" loading="lazy">
<h2>{html.escape(ev.title)}</h2>
<p class="facts">{html.escape(f['date'])} &middot; {html.escape(f['met'])} &middot; {html.escape(f['phase'])}
 &middot; {html.escape(f['where'])}</p>
{reply}<p>{html.escape(ev.description)}</p>
<p class="facts">From Earth: {html.escape(f['distance'])} &middot; one-way light time: {html.escape(f['light_time'])}</p>
<p class="source">{html.escape(ev.category.capitalize())}. {src}</p>
</section>""")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(plan.title)}: lesson pack</title>
<style>
body {{ background:#0d1320; color:#e6ecf5; font-family: sans-serif; max-width: 1100px; margin: auto; padding: 1em; }}
img {{ width: 100%; border-radius: 6px; }}
section {{ margin: 2.5em 0; }}
.facts {{ color:#aab4c3; }} .source {{ color:#7d8aa3; font-size: 90%; }}
.failure h2 {{ color:#ff4d4d; }} .surface h2 {{ color:#ffb347; }} .crew h2 {{ color:#6fd3ff; }}
.politics h2 {{ color:#c792ea; }}
.question {{ color:#fff59d; font-size: 115%; }} .answer {{ color:#c5e1a5; }}
</style></head><body>
<h1>{html.escape(plan.title)}</h1>
<p>{html.escape(plan.description)}</p>
<p>Designed trajectory: {html.escape(tn.sequence_name)}, departing {html.escape(plan.clock.day(tn.t_start))},
returning {html.escape(plan.clock.day(tn.t_end))}; total &Delta;v {tn.total_dv:.2f} km/s.</p>
<p><b>Story versus physics.</b> {html.escape(svp['sentence'])}</p>
<ol>{''.join(f'<li><a href="#{html.escape(ev.id)}">{html.escape(ev.title)}</a></li>' for _, ev, _ in items)}</ol>
{questions_html(items)}
{''.join(cards)}
</body></html>
"""


def questions_html(items) -> str:
    """The prediction questions, each linked to the event that answers it."""
    rows = [f'<li>{html.escape(ev.question)} <a href="#{html.escape(ev.id)}">'
            f'({html.escape(ev.title)})</a></li>' for _, ev, _ in items if ev.question]
    if not rows:
        return ""
    return ("<h2>Predictions to ask the class</h2>\n<p>Ask each question before showing its "
            "event; the event's section gives the answer.</p>\n<ol class=\"questions\">"
            + "".join(rows) + "</ol>")


__all__ = ["run_lesson", "build_lesson"]
