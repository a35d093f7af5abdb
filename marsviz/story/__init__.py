"""The storyboard: one model of pacing and camera for the window, the tour and every export.

Plain data from the mission model (no Qt, no VTK)::

    from marsviz.story import Storyboard
    sb = Storyboard.build(plan)          # pace="story"; or pace="constant", days_per_second=20
    state = sb.at(12.5)                  # FrameState: mission time, card, signal, camera pose
"""

from marsviz.story.shots import CameraPose
from marsviz.story.signal import SignalState, signal_state
from marsviz.story.storyboard import CardSpan, FrameState, Storyboard, default_shot

__all__ = ["Storyboard", "FrameState", "CameraPose", "CardSpan", "SignalState", "signal_state",
           "default_shot"]
