"""The cached, bit-packed land mask gives exactly the values of global_land_mask.globe."""

import numpy as np
import pytest

from satcol.core import landmask


def test_packed_mask_equals_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("SATCOL_CACHE_DIR", str(tmp_path))
    landmask._mask.cache_clear()
    from global_land_mask import globe

    rng = np.random.default_rng(1)
    lat = np.concatenate([rng.uniform(-90, 90, 200_000), [90.0, -90.0, 0.0, 51.5]])
    lon = np.concatenate([rng.uniform(-180, 180, 200_000), [180.0, -180.0, 0.0, -0.1]])
    np.testing.assert_array_equal(landmask.is_land(lat, lon), globe.is_land(lat.copy(), lon.copy()))
    assert (tmp_path / f"{landmask.CACHE_NAME}.npy").exists()
    # Known points: Greenwich (land), mid-Pacific (water).
    assert landmask.is_land([51.48], [0.0])[0] and not landmask.is_land([0.0], [-150.0])[0]
    with pytest.raises(ValueError, match="latitude"):
        landmask.is_land([91.0], [0.0])
    landmask._mask.cache_clear()
