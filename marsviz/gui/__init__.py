"""The Qt window: widgets that reflect the plan and the playhead (PySide6 + pyvistaqt)."""
