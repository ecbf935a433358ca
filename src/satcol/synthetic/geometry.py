"""Terra-like orbit and MOPITT-like swath geometry, surface and cloud fields.

Terra: sun-synchronous, 705 km, inclination 98.2 deg, period 98.88 min, descending node at
10:30 local solar time. MOPITT scans cross-track in 29 stares of ~22 km (a ~640 km swath); the
four pixels of each stare lie along track, so one scan covers 88 km along track and
consecutive scans tile the ground. Clear-sky soundings are selected by a spatially coherent
cloud field, so an SRA region that is clear is densely sampled (thinning of the default
dataset is by whole days and whole orbits only).
"""

from __future__ import annotations

import numpy as np

from satcol.core import landmask
from satcol.instruments.mopitt.format import N_PIXELS

EARTH_RADIUS_KM = 6371.0
ORBIT_PERIOD_S = 98.88 * 60.0
INCLINATION_DEG = 98.2
ALTITUDE_KM = 705.0
DESCENDING_NODE_LST_H = 10.5
FOOTPRINT_KM = 22.0
N_STARES = 29
STARE_SECONDS = 0.4
GROUND_SPEED_KM_S = 2 * np.pi * EARTH_RADIUS_KM / ORBIT_PERIOD_S
SCAN_SECONDS = N_PIXELS * FOOTPRINT_KM / GROUND_SPEED_KM_S
ORBITS_PER_DAY_FULL = 14  # complete orbits that fit in one UTC day file here


def _unit(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _latlon(v):
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    return np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1))), np.degrees(np.arctan2(v[..., 1], v[..., 0]))


def subsatellite(t, t_node):
    """Sub-satellite lat/lon (deg) at POSIX time ``t`` for the orbit descending at ``t_node``."""
    inc = np.radians(INCLINATION_DEG)
    u = np.pi + 2 * np.pi * (t - t_node) / ORBIT_PERIOD_S
    lat = np.degrees(np.arcsin(np.sin(inc) * np.sin(u)))
    utc_h = (t_node % 86400.0) / 3600.0
    lon_node = 15.0 * (DESCENDING_NODE_LST_H - utc_h)
    dlon = np.arctan2(np.cos(inc) * np.sin(u), np.cos(u)) - np.pi
    lon = lon_node + np.degrees(dlon) - 360.0 * (t - t_node) / 86400.0
    return lat, (lon + 180.0) % 360.0 - 180.0


def orbit_node_times(day_start: float, day_index: int, orbits: np.ndarray) -> np.ndarray:
    """Descending-node times of the selected orbits of a day (all orbits lie inside the day)."""
    # A day-dependent phase moves the uncovered part of the day around the globe over the record.
    phase = (day_index * 0.37 % 1.0) * (86400.0 - ORBITS_PER_DAY_FULL * ORBIT_PERIOD_S)
    return day_start + phase + ORBIT_PERIOD_S * (np.asarray(orbits) + 0.5)


def select_orbits(day_index: int, n: int) -> np.ndarray:
    """``n`` of the day's orbits, evenly spread, rotating from day to day."""
    n = min(n, ORBITS_PER_DAY_FULL)
    step = ORBITS_PER_DAY_FULL / n
    return np.sort((np.floor(np.arange(n) * step).astype(int) + day_index * 5) % ORBITS_PER_DAY_FULL)


def swath_footprints(t_node: float, orbit_number: int):
    """All footprints of one orbit: dict of time, lat, lon, pixel, stare, track, vza."""
    n_scans = int(ORBIT_PERIOD_S // SCAN_SECONDS)
    scan = np.arange(n_scans)
    t_scan = t_node - ORBIT_PERIOD_S / 2 + scan * SCAN_SECONDS
    stare = np.arange(1, N_STARES + 1)
    pixel = np.arange(1, N_PIXELS + 1)
    # Alternate scan direction: stare k is observed at time offset by its position in the sweep.
    order = np.where((scan % 2 == 0)[:, None], stare[None, :] - 1, N_STARES - stare[None, :])
    t = t_scan[:, None] + order * STARE_SECONDS  # (scan, stare)
    t3 = np.broadcast_to(t[:, :, None], (n_scans, N_STARES, N_PIXELS))
    lat0, lon0 = subsatellite(t3, t_node)
    # Along-track direction from the track itself.
    la1, lo1 = subsatellite(t3 + 1.0, t_node)
    p0, p1 = _unit(lat0, lon0), _unit(la1, lo1)
    along = p1 - p0
    along -= np.sum(along * p0, axis=-1, keepdims=True) * p0
    along /= np.linalg.norm(along, axis=-1, keepdims=True)
    cross = np.cross(p0, along)
    a_km = (pixel - 2.5) * FOOTPRINT_KM  # along-track offset of each pixel
    c_km = (stare - 15) * FOOTPRINT_KM  # cross-track offset of each stare
    off_a = np.broadcast_to(a_km[None, None, :], t3.shape)[..., None]
    off_c = np.broadcast_to(c_km[None, :, None], t3.shape)[..., None]
    v = p0 + (off_a / EARTH_RADIUS_KM) * along + (off_c / EARTH_RADIUS_KM) * cross
    lat, lon = _latlon(v)
    view = np.arctan(np.abs(off_c[..., 0]) / ALTITUDE_KM)
    vza = np.degrees(np.arcsin(np.clip((EARTH_RADIUS_KM + ALTITUDE_KM) / EARTH_RADIUS_KM * np.sin(view), -1, 1)))
    shape = t3.shape
    track = orbit_number * 1000 + scan
    return {
        "time": t3.reshape(-1).copy(),
        "lat": lat.reshape(-1),
        "lon": lon.reshape(-1),
        "pixel": np.broadcast_to(pixel[None, None, :], shape).reshape(-1).astype(np.int32),
        "stare": np.broadcast_to(stare[None, :, None], shape).reshape(-1).astype(np.int32),
        "track": np.broadcast_to(track[:, None, None], shape).reshape(-1).astype(np.int32),
        "vza": vza.reshape(-1),
    }


def solar_zenith(t, lat, lon):
    """Solar zenith angle (deg); declination and hour angle without the equation of time."""
    doy = (np.asarray(t) / 86400.0) % 365.2422
    decl = np.radians(23.44) * np.sin(2 * np.pi * (doy - 79.0) / 365.2422)
    utc_h = (np.asarray(t) % 86400.0) / 3600.0
    hour_angle = np.radians(15.0 * (utc_h + np.asarray(lon) / 15.0 - 12.0))
    la = np.radians(lat)
    cosz = np.sin(la) * np.sin(decl) + np.cos(la) * np.cos(decl) * np.cos(hour_angle)
    return np.degrees(np.arccos(np.clip(cosz, -1, 1)))


def smooth_field(lat, lon, rng_seed: int, wavelengths_km, n_modes=24):
    """A unit-variance random field on the sphere: sum of plane waves in 3-D (no pole seams)."""
    rng = np.random.default_rng(rng_seed)
    r = _unit(lat, lon)
    out = np.zeros(np.shape(lat))
    lo_w, hi_w = wavelengths_km
    for _ in range(n_modes):
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        lam = np.exp(rng.uniform(np.log(lo_w), np.log(hi_w)))
        k = 2 * np.pi * EARTH_RADIUS_KM / lam
        out += np.cos(k * (r @ d) + rng.uniform(0, 2 * np.pi))
    return out * np.sqrt(2.0 / n_modes)


# Mountain ranges as Gaussian ridges: lat, lon, sigma_lat, sigma_lon (deg), height (m).
_MOUNTAINS = np.array(
    [
        (33.0, 88.0, 5.0, 12.0, 4600.0),   # Tibetan plateau
        (-20.0, -67.0, 10.0, 2.5, 3000.0), # Andes
        (40.0, -108.0, 8.0, 5.0, 1800.0),  # Rockies
        (46.8, 10.0, 1.2, 3.5, 1500.0),    # Alps
        (9.0, 39.0, 4.0, 3.0, 1800.0),     # Ethiopian highlands
        (32.0, 55.0, 4.0, 8.0, 1300.0),    # Iranian plateau
        (46.0, 100.0, 4.0, 10.0, 1400.0),  # Mongolia
        (24.0, -103.0, 5.0, 3.0, 1600.0),  # Mexican plateau
        (-27.0, 25.0, 5.0, 6.0, 1200.0),   # southern African plateau
        (-80.0, 60.0, 9.0, 120.0, 2600.0), # East Antarctic plateau
        (73.0, -40.0, 7.0, 10.0, 2200.0),  # Greenland
    ]
)


def surface_altitude(lat, lon, is_land) -> np.ndarray:
    """Synthetic DEM (m): mountain ridges plus a 250 m continental base; 0 over water."""
    lat = np.asarray(lat, dtype=np.float64)
    lon = np.asarray(lon, dtype=np.float64)
    z = np.full(lat.shape, 250.0)
    for mlat, mlon, slat, slon, h in _MOUNTAINS:
        dlon = (lon - mlon + 180.0) % 360.0 - 180.0
        z += h * np.exp(-0.5 * (((lat - mlat) / slat) ** 2 + (dlon / slon) ** 2))
    return np.where(is_land, z, 0.0)


def surface_type(lat, lon):
    """MOPITT SurfaceIndex: 0 water, 1 land, 2 mixed (footprint centre and corners disagree)."""
    lat = np.asarray(lat)
    lon = np.asarray(lon)
    half = FOOTPRINT_KM / 2 / 111.2
    coslat = np.maximum(np.cos(np.radians(lat)), 0.05)
    votes = np.zeros(lat.shape, dtype=np.int8)
    for dy, dx in ((0, 0), (half, half), (half, -half), (-half, half), (-half, -half)):
        la = np.clip(lat + dy, -89.99, 89.99)
        lo = (lon + dx / coslat + 180.0) % 360.0 - 180.0
        lo = np.clip(lo, -179.999, 179.999)
        votes += landmask.is_land(la, lo).astype(np.int8)
    return np.where(votes == 5, 1, np.where(votes == 0, 0, 2)).astype(np.int8)
