"""Time scales at the model's boundary.

Inside the model an instant is a float: days since J2000 (2000-01-01 12:00) in TDB, the
ephemeris time scale. Scenario dates are UTC. astropy converts between them when a plan is
designed; afterwards the plan keeps TDB - UTC (constant to a few milliseconds over the mission,
since no leap seconds are announced) and formats dates without astropy.
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings

import numpy as np

J2000_JD = 2451545.0
J2000_UTC = _dt.datetime(2000, 1, 1, 12, 0, 0)
SECONDS_PER_DAY = 86400.0


def configure_astropy() -> None:
    """Keep astropy offline: never download IERS tables or leap seconds at run time."""
    from astropy.utils import iers
    from astropy.utils.data import conf as data_conf

    iers.conf.auto_download = False
    iers.conf.auto_max_age = None
    data_conf.allow_internet = False


def utc_to_tdb(when) -> np.ndarray | float:
    """TDB days since J2000 of UTC datetimes (a datetime or a sequence of them)."""
    from astropy.time import Time

    configure_astropy()
    scalar = isinstance(when, _dt.datetime)
    items = [when] if scalar else list(when)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ERFA's "dubious year" for future UTC dates
        t = Time(items, scale="utc").tdb
        out = (t.jd1 - J2000_JD) + t.jd2
    out = np.asarray(out, dtype=float)
    return float(out[0]) if scalar else out


def tdb_minus_utc_seconds(t_tdb: float) -> float:
    """TDB - UTC in seconds at the instant ``t_tdb`` (days since J2000), via astropy."""
    from astropy.time import Time

    configure_astropy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tdb = Time(J2000_JD, t_tdb, format="jd", scale="tdb")
        utc = tdb.utc
    return float(((tdb.jd1 - utc.jd1) + (tdb.jd2 - utc.jd2)) * SECONDS_PER_DAY)


class Clock:
    """Converts model instants to UTC calendar dates with a fixed TDB - UTC offset.

    Parameters
    ----------
    tdb_minus_utc_s : float
        TDB - UTC in seconds (about 69.18 s in the 2030s).
    epoch : float
        The mission's reference instant (Terra Nova's Earth departure), TDB days since J2000,
        from which mission elapsed time is counted.
    """

    def __init__(self, tdb_minus_utc_s: float, epoch: float):
        self.offset_days = tdb_minus_utc_s / SECONDS_PER_DAY
        self.epoch = epoch

    def utc(self, t: float) -> _dt.datetime:
        """UTC datetime of ``t``, to the nearest second (TDB - TT varies by ~2 ms)."""
        sec = round((float(t) - self.offset_days) * SECONDS_PER_DAY)
        return J2000_UTC + _dt.timedelta(seconds=sec)

    def from_utc(self, when: _dt.datetime) -> float:
        return (when - J2000_UTC).total_seconds() / SECONDS_PER_DAY + self.offset_days

    def date(self, t: float, seconds: bool = False) -> str:
        d = self.utc(t)
        if seconds:
            return d.strftime("%Y-%m-%d %H:%M:%S UTC")
        return d.strftime("%Y-%m-%d %H:%M UTC")

    def day(self, t: float) -> str:
        return self.utc(t).strftime("%Y-%m-%d")

    def met(self, t: float) -> str:
        """Mission elapsed time: ``MET 123 d 04 h``, or ``L-40 d 02 h`` before departure."""
        return format_met(float(t) - self.epoch)


def format_met(days: float) -> str:
    sign = "-" if days < 0 else ""
    total_h = int(math.floor(abs(days) * 24 + 1e-6))
    d, h = divmod(total_h, 24)
    if days < 0:
        return f"L{sign}{d} d {h:02d} h"
    return f"MET {d} d {h:02d} h"


def format_duration(seconds: float) -> str:
    """``12 min 05 s`` style, for light times."""
    seconds = max(0.0, float(seconds))
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    if h:
        return f"{h} h {m:02d} min"
    return f"{m} min {s:02d} s"
