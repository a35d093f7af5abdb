"""What every visual of the scene shares: the plotter, the plan, the options, the world frame
and the positions of the current instant."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Frame height (pixels) at which line widths and point sizes have their nominal values.
REFERENCE_HEIGHT = 720.0


@dataclass
class SceneContext:
    p: object  # a PyVista plotter
    plan: object  # marsviz.mission.plan.Plan
    opt: object  # SceneOptions
    world: object  # WorldFrame
    radii: dict  # drawn planet radii, scene units (true radius x exaggeration)
    planet_scale: float = 1.0  # drawn radius / true radius of the planets
    sun_scale: float = 1.0
    t: float = 0.0
    pos: dict = field(default_factory=dict)  # name -> scene position at t (ships as drawn)
    size: tuple = (1, 1)  # frame size in pixels
    true_radii_km: dict = field(default_factory=dict)
    scales: dict = field(default_factory=dict)  # planet -> exaggeration now (1 = true size)
    dmap: object = None  # the DisplayMap of this instant and camera
    sized: list = field(default_factory=list)  # (actor, line width, point size) at 720 px
    planets: object = None  # the Planets visual (turning globes)
    _centres: tuple = (None, None)  # (instant, {body: heliocentric km}) of body_km

    def body_km(self, body: str, t: float) -> np.ndarray:
        """Heliocentric km of planet ``body`` at ``t`` (``plan.table``), computed once per instant."""
        when, got = self._centres
        if when != t:
            got = {}
            self._centres = (t, got)
        if body not in got:
            got[body] = np.asarray(self.plan.table.state(body, t)[0], dtype=float)
        return got[body]

    @property
    def px(self) -> float:
        """Line widths and point sizes are given for a 720-pixel-high frame; this scales them."""
        return max(1, self.size[1]) / REFERENCE_HEIGHT

    def current(self, name: str) -> np.ndarray:
        """Scene position of a body or craft at the current instant."""
        if name in self.pos:
            return np.array(self.pos[name])
        return self.world.to_scene(self.plan.position(name, self.t))


class Visual:
    """One layer of the scene: ``build()`` creates its actors once, ``update(...)`` moves them.

    ``static`` lists actors whose geometry is built Sun-centred; the scene shifts them when the
    floating origin moves.
    """

    def __init__(self, ctx: SceneContext):
        self.ctx = ctx
        self.static: list = []

    @property
    def p(self):
        return self.ctx.p

    @property
    def plan(self):
        return self.ctx.plan

    @property
    def world(self):
        return self.ctx.world

    def sized(self, actor, line: float | None = None, point: float | None = None):
        """Register an actor whose line width / point size follow the frame height."""
        self.ctx.sized.append((actor, line, point))
        return actor

    def build(self) -> None:  # pragma: no cover - every visual overrides it
        raise NotImplementedError

    def apply_options(self, opt) -> None:
        """Show or hide actors for the scene options (default: nothing to do)."""

    def shift(self, offset) -> None:
        """Place Sun-centred geometry for the current floating origin."""
        for a in self.static:
            a.SetPosition(*offset)
