"""Errors a user can act on.

Every error that reaches the command line is one line: the file, the field and the reason.
The CLI prints ``marsviz: error: <message>`` and exits with the error's ``exit_code``.
"""

from __future__ import annotations


class MarsvizError(Exception):
    """An error caused by the user's input or environment, reported without a traceback."""

    exit_code = 1


class UsageError(MarsvizError):
    """Bad command-line arguments or unusable environment (exit code 2)."""

    exit_code = 2


class ScenarioError(MarsvizError):
    """A scenario file that cannot be used.

    Parameters
    ----------
    path : str
        The scenario file as the user named it.
    field : str or None
        Dotted path of the offending field, for example ``event[3].at``.
    reason : str
        What is wrong, in plain words.
    line : int or None
        1-based line in the file, where it is known.
    """

    exit_code = 2

    def __init__(self, path, field, reason, line=None):
        self.path = str(path)
        self.field = field
        self.reason = reason
        self.line = line
        super().__init__(self._format())

    def _format(self):
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.field:
            return f"{where}: {self.field}: {self.reason}"
        return f"{where}: {self.reason}"


class OutputError(MarsvizError):
    """A destination that cannot be written (exit code 1)."""

    exit_code = 1
