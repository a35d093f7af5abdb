"""File > Export: the options of ``marsviz export`` in a dialog, run in a child process.

The export runs as ``python -m marsviz export ... --progress json`` in a QProcess, so the
window stays responsive and the exporter is exactly the command-line one. Cancel sends the
same Ctrl-C a terminal would: finished frames are kept and the export can be resumed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from marsviz.export_args import X264_PRESETS
from marsviz.scene import style

SIZES = ["1280x720", "1920x1080", "3840x2160", "854x480", "1080x1080"]
FORMATS = [("MP4 video (H.264)", ".mp4"), ("Animated GIF", ".gif"), ("PNG frames (a folder)", "")]


class _Runner(QDialog):
    """A dialog that runs one marsviz command in a child process with a progress bar."""

    def _setup_runner(self, lay):
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        self.proc = None
        self.result_code = None
        self._buffer = ""

    def _start(self, argv):
        self.proc = QProcess(self)
        self.proc.setProgram(sys.executable)
        self.proc.setArguments(["-m", "marsviz", *argv])
        self.proc.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.proc.readyReadStandardOutput.connect(self._on_stdout)
        self.proc.finished.connect(self._on_finished)
        self.status.setText("Starting...")
        self.progress.setRange(0, 0)
        self.proc.start()

    def _on_stdout(self):
        self._buffer += bytes(self.proc.readAllStandardOutput()).decode("utf-8", "replace")
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            total = max(1, int(msg.get("total", 1)))
            self.progress.setRange(0, total)
            self.progress.setValue(int(msg.get("done", 0)))
            eta = msg.get("eta_s")
            eta_txt = "" if eta is None else f", about {int(eta) // 60}:{int(eta) % 60:02d} left"
            stage = msg.get("stage", "")
            if stage == "done":
                self.status.setText(f"Done: {msg.get('out', '')}")
            else:
                self.status.setText(f"{stage}: {msg.get('done', 0)} of {total}{eta_txt}")

    def _on_finished(self, code, _status):
        self.result_code = code
        err = bytes(self.proc.readAllStandardError()).decode("utf-8", "replace").strip().splitlines()
        self.progress.setRange(0, 1)
        if code == 0:
            self.progress.setValue(1)
            self.status.setText(self.status.text() if self.status.text().startswith("Done") else "Done.")
        else:
            msg = next((l for l in reversed(err) if l.startswith("marsviz:")), err[-1] if err else "")
            self.status.setText(msg.replace("marsviz: error: ", "") or f"Stopped (exit code {code}).")
        self._finished(code)

    def _finished(self, code):
        pass

    def cancel_run(self):
        if self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning:
            pid = self.proc.processId()
            if pid:
                os.kill(pid, signal.SIGINT)  # a clean stop: finished frames are kept
            self.status.setText("Stopping after the current frame...")

    def running(self) -> bool:
        return self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning

    def reject(self):
        if self.running():
            self.cancel_run()
            self.proc.waitForFinished(30000)
        super().reject()


def _path_row(default: Path, browse_slot):
    """A path field with a Browse button: (line edit, row widget)."""
    edit = QLineEdit(str(default))
    browse = QPushButton("Browse...")
    browse.clicked.connect(browse_slot)
    row = QWidget()
    rl = QHBoxLayout(row)
    rl.setContentsMargins(0, 0, 0, 0)
    rl.addWidget(edit, 1)
    rl.addWidget(browse)
    return edit, row


def _common_args(win) -> list[str]:
    argv = []
    if win.scenario_path:
        argv += ["--scenario", str(win.scenario_path)]
    if win.ephemeris:
        argv += ["--ephemeris", win.ephemeris]
    return argv


class ExportDialog(_Runner):
    """Every option of ``marsviz export``, a progress bar and cancel."""

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        plan = win.plan
        self.setWindowTitle("Export frames or video")
        self.setMinimumWidth(560)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.format = QComboBox()
        for label, ext in FORMATS:
            self.format.addItem(label, ext)
        self.out, row = _path_row(Path.cwd() / "olympus.mp4", self._browse)
        self.format.currentIndexChanged.connect(self._format_changed)
        form.addRow("Format", self.format)
        form.addRow("Save to", row)
        self.size = QComboBox()
        self.size.setEditable(True)
        self.size.addItems(SIZES)
        form.addRow("Size (pixels)", self.size)
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1, 120)
        self.fps.setValue(30)
        form.addRow("Frames per second", self.fps)
        self.start = QComboBox()
        self.end = QComboBox()
        self.start.addItem("Mission start", None)
        self.end.addItem("Mission end", None)
        for e in plan.mission_events:
            label = f"{plan.clock.day(e.t)}  {e.title}"
            self.start.addItem(label, e.id)
            self.end.addItem(label, e.id)
        form.addRow("From", self.start)
        form.addRow("To", self.end)
        self.pace = QComboBox()
        self.pace.addItem("Story: eases into every event and moves the camera to it", "story")
        self.pace.addItem("Constant: a steady rate with one camera", "constant")
        self.pace.setToolTip("Story (the default): the storyboard sets the speed, holds on each event's "
                             "card and flies the camera to it.\nConstant: a steady number of days per "
                             "second (or a set duration) seen from one camera preset.")
        form.addRow("Pace", self.pace)
        self.by_speed = QRadioButton("Days per second")
        self.by_duration = QRadioButton("Duration (s)")
        self.by_speed.setChecked(True)
        self.speed = QDoubleSpinBox()
        self.speed.setRange(0.01, 1000)
        self.speed.setValue(20)
        self.duration = QDoubleSpinBox()
        self.duration.setRange(1, 36000)
        self.duration.setValue(60)
        sp = QWidget()
        spl = QHBoxLayout(sp)
        spl.setContentsMargins(0, 0, 0, 0)
        for w in (self.by_speed, self.speed, self.by_duration, self.duration):
            spl.addWidget(w)
        sp.setToolTip("How fast a constant-pace export runs: simulated days per second of video, "
                      "or the length of the video")
        self.speed_row = sp
        form.addRow("Speed", sp)
        self.camera = QComboBox()
        for key, name in style.CAMERA_NAMES.items():
            self.camera.addItem(name, key)
        self.camera.setCurrentIndex(max(0, self.camera.findData(win.user_preset())))
        self.camera.setToolTip("The camera of a constant-pace export (at story pace the story moves it)")
        form.addRow("Camera", self.camera)
        self.hold = QDoubleSpinBox()
        self.hold.setRange(0, 60)
        self.hold.setValue(0)
        self.hold.setSuffix(" s")
        self.hold.setToolTip("At constant pace, stay this long on each event (the story pace holds by itself)")
        form.addRow("Pause on each event", self.hold)
        self.captions = QCheckBox("Burn in event captions")
        self.captions.setChecked(True)
        self.captions.setToolTip("Event cards on the frames; the subtitle files are written either way")
        form.addRow("", self.captions)
        self.clean = QCheckBox("Clean frames: no burned-in text at all")
        self.clean.setToolTip("No captions, clock or labels on the frames, for your own titles; "
                              "subtitles (.srt, .vtt) are still written")
        form.addRow("", self.clean)
        self.transparent = QCheckBox("Transparent background (PNG frames only)")
        self.transparent.setToolTip("PNG frames with an alpha channel: space is see-through, for "
                                    "compositing over other footage. MP4 and GIF have no alpha.")
        form.addRow("", self.transparent)
        self.crf = QSpinBox()
        self.crf.setRange(0, 51)
        self.crf.setValue(18)
        self.crf.setToolTip("H.264 constant rate factor: 0 best, 51 worst; 18 looks the same as the "
                            "frames, each 6 more about halves the file")
        self.lossless = QCheckBox("Lossless")
        self.lossless.setToolTip("Every pixel exact (H.264 in RGB): large files, for editing")
        qr = QWidget()
        ql = QHBoxLayout(qr)
        ql.setContentsMargins(0, 0, 0, 0)
        ql.addWidget(QLabel("CRF"))
        ql.addWidget(self.crf)
        ql.addWidget(self.lossless)
        self.preset = QComboBox()
        for name in X264_PRESETS:
            self.preset.addItem(name + (" (default)" if name == "superfast" else ""), name)
        self.preset.setCurrentIndex(X264_PRESETS.index("superfast"))
        self.preset.setToolTip("Encoder speed: superfast takes the least time away from rendering; "
                               "medium or slow make smaller files and export more slowly")
        ql.addWidget(QLabel("Encoder"))
        ql.addWidget(self.preset)
        ql.addStretch(1)
        self.quality_row = qr
        form.addRow("MP4 quality", qr)
        self.workers = QSpinBox()
        self.workers.setRange(1, max(1, os.cpu_count() or 1))
        self.workers.setValue(max(1, min(2, os.cpu_count() or 1)))
        form.addRow("Parallel workers", self.workers)
        self.resume = QCheckBox("Resume an interrupted export to the same place")
        form.addRow("", self.resume)
        self.overwrite = QCheckBox("Replace files that are already there")
        form.addRow("", self.overwrite)
        lay.addLayout(form)
        self._setup_runner(lay)
        self.buttons = QDialogButtonBox(self)
        self.run_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.stop_button = self.buttons.addButton("Stop", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.stop_button.setEnabled(False)
        self.run_button.clicked.connect(self.run)
        self.stop_button.clicked.connect(self.cancel_run)
        self.close_button.clicked.connect(self.reject)
        lay.addWidget(self.buttons)
        for sig in (self.pace.currentIndexChanged, self.by_speed.toggled, self.clean.toggled,
                    self.lossless.toggled):
            sig.connect(self._update_enabled)
        self._update_enabled()

    def _update_enabled(self, *_):
        """Only the options that apply to the chosen format and pace can be set."""
        ext = self.format.currentData()
        constant = self.pace.currentData() == "constant"
        for w in (self.by_speed, self.by_duration, self.camera, self.hold):
            w.setEnabled(constant)
        self.speed.setEnabled(constant and self.by_speed.isChecked())
        self.duration.setEnabled(constant and self.by_duration.isChecked())
        self.captions.setEnabled(not self.clean.isChecked())
        self.transparent.setEnabled(ext == "")
        self.lossless.setEnabled(ext == ".mp4")
        self.crf.setEnabled(ext == ".mp4" and not self.lossless.isChecked())
        self.preset.setEnabled(ext == ".mp4")

    def _format_changed(self, _i):
        ext = self.format.currentData()
        p = Path(self.out.text() or "olympus")
        base = p.with_suffix("") if p.suffix.lower() in (".mp4", ".gif") else p
        self.out.setText(str(base) + ext if ext else str(base) + "-frames")
        self._update_enabled()

    def _browse(self):
        ext = self.format.currentData()
        if ext:
            filt = "MP4 video (*.mp4)" if ext == ".mp4" else "GIF (*.gif)"
            path, _ = QFileDialog.getSaveFileName(self, "Save video", self.out.text(), filt)
            if path and not path.lower().endswith(ext):
                path += ext
            if path and Path(path).exists():
                self.overwrite.setChecked(True)  # the save dialog asked before replacing it
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder for the frames", str(Path.cwd()))
        if path:
            self.out.setText(path)

    def build_args(self) -> list[str]:
        ext = self.format.currentData()
        pace = self.pace.currentData()
        argv = ["export", *_common_args(self.win), "--out", self.out.text().strip(),
                "--size", self.size.currentText().strip(), "--fps", f"{self.fps.value():g}",
                "--pace", pace, "--workers", str(self.workers.value()), "--progress", "json"]
        if self.start.currentData():
            argv += ["--from", self.start.currentData()]
        if self.end.currentData():
            argv += ["--to", self.end.currentData()]
        if pace == "constant":
            argv += ["--camera", self.camera.currentData(), "--hold", f"{self.hold.value():g}"]
            if self.by_speed.isChecked():
                argv += ["--days-per-second", f"{self.speed.value():g}"]
            else:
                argv += ["--duration", f"{self.duration.value():g}"]
        if self.clean.isChecked():
            argv.append("--clean")
        elif not self.captions.isChecked():
            argv.append("--no-captions")
        if ext == "" and self.transparent.isChecked():
            argv.append("--transparent")
        if ext == ".mp4":
            argv += ["--lossless"] if self.lossless.isChecked() else ["--crf", str(self.crf.value())]
            argv += ["--preset", self.preset.currentData()]
        if self.resume.isChecked():
            argv.append("--resume")
        if self.overwrite.isChecked():
            argv.append("--overwrite")
        return argv

    def run(self):
        if self.running():
            return
        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self._start(self.build_args())

    def _finished(self, code):
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if code == 130:
            self.resume.setChecked(True)
            self.status.setText(self.status.text() + "  (tick Resume and press Export to continue)")


class LessonDialog(_Runner):
    """File > Export lesson pack: ``marsviz lesson --out DIR``."""

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.setWindowTitle("Export lesson pack")
        self.setMinimumWidth(520)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("One still per event with its caption and key figures, and an index "
                             "page (index.html) that shows them in order."))
        form = QFormLayout()
        self.out, row = _path_row(Path.cwd() / "olympus-lesson", self._browse)
        form.addRow("Folder", row)
        self.size = QComboBox()
        self.size.setEditable(True)
        self.size.addItems(SIZES)
        form.addRow("Image size", self.size)
        self.overwrite = QCheckBox("Replace a lesson pack that is already there")
        form.addRow("", self.overwrite)
        lay.addLayout(form)
        self._setup_runner(lay)
        buttons = QDialogButtonBox(self)
        self.run_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.run_button.clicked.connect(self.run)
        close.clicked.connect(self.reject)
        lay.addWidget(buttons)

    def _browse(self):
        path = QFileDialog.getExistingDirectory(self, "Folder for the lesson pack", str(Path.cwd()))
        if path:
            self.out.setText(path)

    def build_args(self) -> list[str]:
        argv = ["lesson", *_common_args(self.win), "--out", self.out.text().strip(),
                "--size", self.size.currentText().strip(), "--progress", "json"]
        return argv + (["--overwrite"] if self.overwrite.isChecked() else [])

    def run(self):
        if not self.running():
            self.run_button.setEnabled(False)
            self._start(self.build_args())

    def _finished(self, code):
        self.run_button.setEnabled(True)


