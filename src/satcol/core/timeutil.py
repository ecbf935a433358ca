"""Time conversions for MOPITT (TAI93) and TCCON (POSIX) times."""

from __future__ import annotations

import datetime as dt

import numpy as np

#: The Julian year (365.25 d) in seconds: the unit of every trend per year in satcol.
SECONDS_PER_YEAR = 365.25 * 86400.0
#: Ten Julian years in seconds (trends per decade, S23 Sect. 4.2/4.4).
SECONDS_PER_DECADE = 10 * SECONDS_PER_YEAR

#: POSIX seconds of 1993-01-01T00:00:00Z, the MOPITT ``Time`` epoch (TAI93).
TAI93_EPOCH_UNIX = 725846400.0
#: UTC leap seconds inserted after 1993-01-01 (IERS Bulletin C), as POSIX times of insertion.
_LEAPS_UNIX = np.array(
    [
        dt.datetime(y, m, 1, tzinfo=dt.timezone.utc).timestamp()
        for y, m in [(1993, 7), (1994, 7), (1996, 1), (1997, 7), (1999, 1), (2006, 1),
                     (2009, 1), (2012, 7), (2015, 7), (2017, 1)]
    ]
)


def unix_to_tai93(unix_seconds):
    """MOPITT ``Time``: SI seconds since 1993-01-01 00:00:00 (TAI93), from POSIX UTC seconds."""
    t = np.asarray(unix_seconds, dtype=np.float64)
    return t - TAI93_EPOCH_UNIX + np.searchsorted(_LEAPS_UNIX, t, side="right")


def tai93_to_unix(tai93):
    """POSIX UTC seconds from MOPITT TAI93 ``Time`` (inverse of :func:`unix_to_tai93`)."""
    t = np.asarray(tai93, dtype=np.float64)
    leaps_tai = _LEAPS_UNIX - TAI93_EPOCH_UNIX + np.arange(1, len(_LEAPS_UNIX) + 1)
    return t + TAI93_EPOCH_UNIX - np.searchsorted(leaps_tai, t, side="right")


def day_start_unix(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def unix_to_datetime64(unix_seconds) -> np.ndarray:
    return (np.asarray(unix_seconds, dtype=np.float64) * 1e6).round().astype("datetime64[us]")


#: POSIX seconds at the start of each UTC year 1970-2200 (for :func:`utc_year`).
_YEAR_STARTS_S = (np.arange(1970, 2201) - 1970).astype("datetime64[Y]").astype("datetime64[s]").astype(np.float64)


def utc_year(time_s) -> np.ndarray:
    """UTC calendar year of POSIX seconds (int64; -1 where the time is not finite or outside
    1970-2199): the years of ``pandas.to_datetime(time_s, unit="s", utc=True)``, by a search in
    the table of year starts instead of a conversion of every time (issue #7)."""
    t = np.asarray(time_s, dtype=np.float64)
    k = np.searchsorted(_YEAR_STARTS_S, t, side="right")
    ok = (k > 0) & (k < _YEAR_STARTS_S.size) & np.isfinite(t)
    return np.where(ok, k + 1969, -1)


def parse_date(s) -> dt.date:
    """A date from a :class:`datetime.date` or an ISO ``YYYY-MM-DD`` string (config values)."""
    return s if isinstance(s, dt.date) else dt.date.fromisoformat(str(s))


def months(start, end) -> list[str]:
    """Months 'YYYY-MM' from start to end inclusive."""
    a, b = parse_date(start), parse_date(end)
    out = []
    y, m = a.year, a.month
    while (y, m) <= (b.year, b.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
