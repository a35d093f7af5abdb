"""The mission-design panel: porkchop plots, the Δv budget, and the story beside the physics."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QTableWidget, QTableWidgetItem,
                               QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from marsviz.mission.design import mass_fraction
from marsviz.mission.report import CHEMICAL_ISP, story_vs_physics


def _canvas(fig):
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

    return FigureCanvasQTAgg(fig)


def _dark(fig):
    fig.patch.set_facecolor("#121826")
    for ax in fig.axes:
        ax.set_facecolor("#0d1320")
        ax.tick_params(colors="#cfd8e3", labelsize=8)
        for s in ax.spines.values():
            s.set_color("#3a4660")
        ax.xaxis.label.set_color("#cfd8e3")
        ax.yaxis.label.set_color("#cfd8e3")
        ax.title.set_color("#e6ecf5")


class PorkchopTab(QWidget):
    """Porkchop of one leg; clicking a cell previews that transfer in the 3D view."""

    def __init__(self, win, n: int = 120):
        super().__init__()
        from matplotlib.figure import Figure

        self.win = win
        self.n = n
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Leg:"))
        self.leg_box = QComboBox()
        from marsviz.porkchop_plot import leg_label

        for i, leg in enumerate(win.plan.crewed_trajectory.legs):
            self.leg_box.addItem(f"{i + 1}. {leg_label(leg)} ({win.plan.clock.day(leg.t_dep)})", i)
        self.leg_box.currentIndexChanged.connect(self.show_leg)
        top.addWidget(self.leg_box, 1)
        lay.addLayout(top)
        self.fig = Figure(figsize=(5.5, 4.6), dpi=100, layout="constrained")
        self.canvas = _canvas(self.fig)
        self.canvas.setMinimumSize(520, 440)
        self.canvas.mpl_connect("button_press_event", self._on_click)
        lay.addWidget(self.canvas, 1)
        self.info = QLabel("Click a cell to preview that transfer in the 3D view.")
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        self.grid = None
        self.show_leg(0)

    def show_leg(self, i: int) -> None:
        from marsviz.porkchop_plot import draw, leg_grid, leg_label

        plan = self.win.plan
        leg = plan.crewed_trajectory.legs[i]
        self.leg = leg
        self.grid = leg_grid(plan, leg, self.n)
        self.fig.clear()
        ax = self.fig.add_subplot(1, 1, 1)
        draw(ax, plan, self.grid, leg)
        ax.set_title(f"{leg_label(leg)}: C3 (colour), arrival v∞ (orange), time of flight (dashed)",
                     fontsize=9)
        _dark(self.fig)
        self.ax = ax
        self.canvas.draw_idle()
        self.win.scene.set_preview(None)

    def select(self, t_dep: float, t_arr: float) -> dict | None:
        """Preview the transfer departing ``t_dep`` and arriving ``t_arr`` (TDB days)."""
        from marsviz.mission.porkchop import transfer_path

        g = self.grid
        row, col = g.cell(t_dep, t_arr)
        t_dep, t_arr = float(g.dep[col]), float(g.arr[row])
        plan = self.win.plan
        c3, vinf = g.c3[row, col], g.vinf_arr[row, col]
        if not np.isfinite(c3):
            self.info.setText("No transfer there: the arrival must come after the departure.")
            self.win.scene.set_preview(None)
            self.win.request_render()
            return None
        path = transfer_path(plan, g.dep_body, g.arr_body, t_dep, t_arr)
        self.win.scene.set_preview(path)
        self.win.request_render()
        self.info.setText(
            f"Depart {g.dep_body.capitalize()} {plan.clock.day(t_dep)}, arrive {g.arr_body.capitalize()} "
            f"{plan.clock.day(t_arr)} ({t_arr - t_dep:.0f} days): C3 {c3:.1f} km²/s², arrival v∞ "
            f"{vinf:.2f} km/s. Chosen leg: C3 {self.leg.c3:.1f}, v∞ {self.leg.vinf_arr_kms:.2f}. "
            "Shown in white in the 3D view.")
        return {"t_dep": t_dep, "t_arr": t_arr, "c3": float(c3), "vinf_arr": float(vinf)}

    def _on_click(self, event) -> None:
        if event.inaxes is not self.ax or event.xdata is None:
            return
        import matplotlib.dates as mdates

        clock = self.win.plan.clock
        t_dep = clock.from_utc(mdates.num2date(event.xdata).replace(tzinfo=None))
        t_arr = clock.from_utc(mdates.num2date(event.ydata).replace(tzinfo=None))
        self.select(t_dep, t_arr)


class BudgetTab(QWidget):
    """Each burn, the total, and the propellant for the NTR beside a chemical engine."""

    def __init__(self, win):
        super().__init__()
        from matplotlib.figure import Figure

        plan = win.plan
        tn = plan.crewed_trajectory
        lay = QVBoxLayout(self)
        self.table = QTableWidget(len(tn.burns) + 1, 4)
        self.table.setHorizontalHeaderLabels(["Burn", "Date (UTC)", "Δv km/s", "Cumulative km/s"])
        self.table.verticalHeader().setVisible(False)
        cum = 0.0
        for i, b in enumerate(tn.burns):
            cum += b.dv
            for j, text in enumerate((b.label, plan.clock.day(b.t), f"{b.dv:.3f}", f"{cum:.3f}")):
                item = QTableWidgetItem(text)
                if j >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(b.detail)
                self.table.setItem(i, j, item)
        last = len(tn.burns)
        for j, text in enumerate(("Total", "", f"{tn.total_dv:.3f}", "")):
            item = QTableWidgetItem(text)
            f = item.font()
            f.setBold(True)
            item.setFont(f)
            self.table.setItem(last, j, item)
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table)
        chem = CHEMICAL_ISP
        for p in plan.propulsion.values():
            if p["isp_s"] < 600:
                chem = p["isp_s"]
        self.ntr_fraction = mass_fraction(tn.total_dv, tn.isp_s)
        self.chem_fraction = mass_fraction(tn.total_dv, chem)
        note = QLabel(
            f"<b>Propellant for {tn.total_dv:.2f} km/s</b>: {100 * self.ntr_fraction:.1f} % of the "
            f"departing mass with the nuclear thermal rocket (Isp {tn.isp_s:g} s), "
            f"{100 * self.chem_fraction:.1f} % with a chemical engine (Isp {chem:g} s). "
            f"For every tonne that comes home, the NTR ship leaves with "
            f"{1 / (1 - self.ntr_fraction):.1f} t, the chemical one with {1 / (1 - self.chem_fraction):.1f} t.")
        note.setWordWrap(True)
        lay.addWidget(note)
        fig = Figure(figsize=(5.5, 3.2), dpi=100, layout="constrained")
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        ax1.bar(range(len(tn.burns)), [b.dv for b in tn.burns], color="#4fc3f7")
        ax1.set_xticks(range(len(tn.burns)), [b.label for b in tn.burns], fontsize=7, rotation=30,
                       ha="right")
        ax1.set_ylabel("Δv, km/s")
        ax1.set_title("Burns", fontsize=9)
        ax2.bar([0, 1], [100 * self.ntr_fraction, 100 * self.chem_fraction], color=["#81c784", "#ff8a65"])
        ax2.set_xticks([0, 1], [f"NTR\n{tn.isp_s:g} s", f"Chemical\n{chem:g} s"], fontsize=8)
        ax2.set_ylim(0, 100)
        ax2.set_ylabel("propellant, % of initial mass")
        ax2.set_title("Propellant needed", fontsize=9)
        _dark(fig)
        self.canvas = _canvas(fig)
        self.canvas.setMinimumSize(520, 300)
        lay.addWidget(self.canvas, 1)


class StoryTab(QTextBrowser):
    """The story's constraints beside the cheapest round trip of the same length without them."""

    def __init__(self, win):
        super().__init__()
        plan = win.plan
        svp = story_vs_physics(plan)
        self.sentence = svp["sentence"]
        st, ch = svp["story"], svp["cheapest"]
        rows = [("Departure window", f"{st['departure_window'][0]} to {st['departure_window'][1]}",
                 ch["window"][0] + " to " + ch["window"][1] if ch else "-"),
                ("Round trip", f"{st['round_trip_days']:g} days", f"{st['round_trip_days']:g} days"),
                ("Sequence", st["sequence"], ch["sequence"] if ch else "-"),
                ("Departs", st["departure_utc"], ch["departure_utc"] if ch else "-"),
                ("Total Δv", f"{st['total_dv_kms']:.2f} km/s", f"{ch['total_dv_kms']:.2f} km/s" if ch else "-")]
        body = "".join(f"<tr><td><b>{html.escape(a)}</b></td><td>{html.escape(b)}</td><td>{html.escape(c)}</td></tr>"
                       for a, b, c in rows)
        cands = "".join(
            f"<tr><td>{html.escape(c.sequence_name)}</td><td align=right>"
            f"{'-' if c.trajectory is None else f'{c.total_dv:.2f}'}</td><td>{'yes' if c.feasible else 'no'}</td></tr>"
            for c in sorted(plan.candidates, key=lambda c: (not c.feasible, c.total_dv)))
        self.setHtml(
            f"<h3>Story versus physics</h3><p style='font-size:13pt'>{html.escape(self.sentence)}</p>"
            f"<table cellpadding=4><tr><th></th><th>The story</th><th>Cheapest without its window</th></tr>{body}</table>"
            f"<h4>Sequences tried in the story's window</h4><table cellpadding=3>"
            f"<tr><th>Sequence</th><th>Δv km/s</th><th>Feasible</th></tr>{cands}</table>"
            f"<p>{html.escape(plan.why)}.</p>"
            "<p>Mars is in conjunction with the Sun on 2030-05-25: leaving for Mars directly in early "
            "2030 is expensive, which is why the design looks for swing-bys of Venus.</p>")


class DesignPanel(QTabWidget):
    def __init__(self, win):
        super().__init__()
        self.porkchop = PorkchopTab(win)
        self.budget = BudgetTab(win)
        self.story = StoryTab(win)
        self.addTab(self.porkchop, "Porkchop")
        self.addTab(self.budget, "Δv budget")
        self.addTab(self.story, "Story vs physics")
