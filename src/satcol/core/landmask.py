"""Land/water lookup on the 30-arcsecond GLOBE mask of the ``global-land-mask`` package.

``global_land_mask.globe`` decompresses its 21600 x 43200 boolean mask (0.9 GB) at import,
which costs ~4 s and ~1 GB in every job that touches it. Here the same mask is kept once per
machine as a bit-packed array (117 MB) in the user cache and memory-mapped, so a lookup reads
only the bytes it needs. The values are identical to ``globe.is_land`` (tests/core/test_landmask.py).

Cache location: ``$SATCOL_CACHE_DIR``, else ``$XDG_CACHE_HOME/satcol``, else ``~/.cache/satcol``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

CACHE_NAME = "globe_ocean_mask_packed"


def cache_dir() -> Path:
    if os.environ.get("SATCOL_CACHE_DIR"):
        return Path(os.environ["SATCOL_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "satcol"


def _source_npz() -> Path:
    spec = importlib.util.find_spec("global_land_mask")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the global-land-mask package is required (pip install global-land-mask)")
    return Path(list(spec.submodule_search_locations)[0]) / "globe_combined_mask_compressed.npz"


def _build(directory: Path) -> None:
    """Unpack the package's mask once and store it bit-packed with its grid (atomic rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    with np.load(_source_npz()) as z:
        ocean, lat, lon = z["mask"], z["lat"], z["lon"]
    grid = {"lat0": float(lat[0]), "dlat": float(lat[1] - lat[0]), "lat_min": float(lat.min()),
            "lat_max": float(lat.max()), "lon0": float(lon[0]), "dlon": float(lon[1] - lon[0]),
            "lon_min": float(lon.min()), "lon_max": float(lon.max()), "shape": list(ocean.shape)}
    tag = f".{os.getpid()}.tmp"
    np.save(directory / f"{CACHE_NAME}{tag}.npy", np.packbits(ocean, axis=1))
    (directory / f"{CACHE_NAME}{tag}.json").write_text(json.dumps(grid))
    os.replace(directory / f"{CACHE_NAME}{tag}.npy", directory / f"{CACHE_NAME}.npy")
    os.replace(directory / f"{CACHE_NAME}{tag}.json", directory / f"{CACHE_NAME}.json")


@lru_cache(maxsize=1)
def _mask():
    d = cache_dir()
    if not ((d / f"{CACHE_NAME}.npy").exists() and (d / f"{CACHE_NAME}.json").exists()):
        _build(d)
    grid = json.loads((d / f"{CACHE_NAME}.json").read_text())
    return np.load(d / f"{CACHE_NAME}.npy", mmap_mode="r"), grid


def _index(x, x0, dx, lo, hi, name):
    x = np.asarray(x, dtype=np.float64)
    if np.any(np.abs(x) > (90.0 if name == "latitude" else 180.0)):
        raise ValueError(f"{name} out of range")
    return ((np.clip(x, lo, hi) - x0) / dx).astype(np.int64)


def is_land(lat, lon) -> np.ndarray:
    """True where (lat, lon) (degrees, lon in [-180, 180]) is land on the GLOBE mask."""
    packed, g = _mask()
    i = _index(lat, g["lat0"], g["dlat"], g["lat_min"], g["lat_max"], "latitude")
    j = _index(lon, g["lon0"], g["dlon"], g["lon_min"], g["lon_max"], "longitude")
    ocean = (packed[i, j >> 3] >> (7 - (j & 7)).astype(np.uint8)) & 1
    return ocean == 0
