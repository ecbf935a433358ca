"""The store's profiles read back from the L2 files (issue 22) equal what ingest decoded; a store
written the old way (a copy of every profile) is still read; a changed or missing L2 file is
refused naming the file.

Checked against wrong implementations by hand: without the surface-slot re-indexing of the
packed fields (``_surface_to_slot_zero``) the averaging kernels differ (the synthetic day has
soundings with a surface below 900 hPa, asserted below); with an off-by-one in the row -> file
mapping the two-file round trip fails; with the column kernel computed in float32 its values
differ in the last bit."""

import datetime as dt
import shutil
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from satcol.core import store, store_profiles
from satcol.core.errors import BadInputError
from satcol.export import products as export
from satcol.instruments.mopitt import reader as mopitt
from satcol.pipeline import ingest
from satcol.synthetic import mopitt as synthetic
from satcol.synthetic import mopitt_writer
from satcol.validation import colocation


@pytest.fixture(scope="module")
def second_day(tmp_path_factory, synthetic_day):
    """The day after the synthetic day, simulated with the same config."""
    day = dt.date(2009, 7, 17)
    fields, _ = synthetic.simulate_day(day, synthetic_day["config"]["synthetic"])
    d = tmp_path_factory.mktemp("syn2")
    return mopitt_writer.write_mop02(d / mopitt_writer.file_name(day, "19.9.3"), fields, day, "19.9.3")


def _two_days(tmp_path, synthetic_day, second_day):
    """Two L2 files of one month, copied so that a test may change them."""
    d = tmp_path / "l2"
    d.mkdir()
    return [Path(shutil.copy(p, d / Path(p).name)) for p in (synthetic_day["path"], second_day)]


def _ingest(tmp_path, files, storage):
    out = tmp_path / f"store_{storage}"
    if storage == "source":  # the default
        report = ingest.ingest_mopitt_month("2009-07", files, out / "s.parquet", out / "p.nc", {})
    else:
        orig = store.MonthStoreWriter.__init__

        def copy_init(self, *a, **k):
            orig(self, *a, **k, profile_storage="copy")

        mp = pytest.MonkeyPatch()
        mp.setattr(store.MonthStoreWriter, "__init__", copy_init)
        try:
            report = ingest.ingest_mopitt_month("2009-07", files, out / "s.parquet", out / "p.nc", {})
        finally:
            mp.undo()
    return out, report


def test_profiles_read_back_from_the_l2_files_equal_the_decoded_ones(tmp_path, synthetic_day, second_day):
    files = _two_days(tmp_path, synthetic_day, second_day)
    out, report = _ingest(tmp_path, files, "source")
    decoded = [mopitt.canonical(mopitt.read_mop02(f)) for f in files]
    n, n2 = (len(t["xgas"]) for t, _ in decoded)
    prof = decoded[0][1]
    assert report["n_soundings"] == n + n2
    # The packed-level re-indexing matters on these days: some surfaces lie below 900 hPa.
    assert (mopitt.packed_surface_index(decoded[0][0]["psurf"]) > 0).sum() > 10
    with h5py.File(out / "p.nc", "r") as f:
        assert f.attrs["satcol_profile_storage"] == "source"
        assert "averaging_kernel" not in f and "sounding_id" not in f  # no per-sounding copy
        assert list(f["source_rows"][()]) == [n, n2]
        assert [p.decode() for p in f["source_path"][()]] == [str(p) for p in files]
    expect = {k: np.concatenate([decoded[0][1][k], decoded[1][1][k]]) for k in prof}
    rows = np.r_[3:50, n - 5:n + 7, n + n2 - 4:n + n2]  # across the two files
    with store_profiles.open_profiles(out / "p.nc") as r:
        assert r.storage == "source"
        every = r.read(np.arange(n + n2), list(prof))
        some = r.read(rows, ["averaging_kernel", "pressure"])
        none = r.read(np.array([], dtype=np.int64), ["averaging_kernel"])
        with pytest.raises(ValueError, match="increasing"):
            r.read(np.array([5, 4]), ["pressure"])
    for k in prof:
        assert every[k].dtype == expect[k].dtype == np.float32
        np.testing.assert_array_equal(every[k], expect[k])
    np.testing.assert_array_equal(some["averaging_kernel"], expect["averaging_kernel"][rows])
    np.testing.assert_array_equal(some["pressure"], expect["pressure"][rows])
    assert none["averaging_kernel"].shape == (0, 10, 10)


def test_old_copy_store_is_read_and_gives_the_same_products(tmp_path, synthetic_day, second_day):
    files = _two_days(tmp_path, synthetic_day, second_day)
    src, _ = _ingest(tmp_path, files, "source")
    old, _ = _ingest(tmp_path, files, "copy")
    with h5py.File(old / "p.nc", "a") as f:  # as written before issue 22: no storage attribute
        assert f.attrs["satcol_profile_storage"] == "copy"
        del f.attrs["satcol_profile_storage"]
    n = sum(len(mopitt.canonical(mopitt.read_mop02(f))[0]["xgas"]) for f in files)
    with store_profiles.open_profiles(old / "p.nc") as a, store_profiles.open_profiles(src / "p.nc") as b:
        assert a.storage == "copy"
        for k, v in a.read(np.arange(n), list(store.PROFILE_VARS)).items():
            np.testing.assert_array_equal(v, b.read(np.arange(n), [k])[k])
    # Colocation candidates of both stores are the same.
    table = store.read_soundings(src / "s.parquet")
    rng = np.random.default_rng(3)
    corrected = pd.DataFrame({"sounding_id": table["sounding_id"], "qc": (rng.random(n) < 0.4).astype(np.uint32),
                              "xgas": table["xgas"], "xgas_corrected": table["xgas"],
                              "feature_correction": 0.5, "pixel_correction": -0.2})
    at = n // 3  # a box around one sounding's footprint
    lat0, lon0 = float(table["lat"].iloc[at]), float(table["lon"].iloc[at])
    sites = pd.DataFrame({"id": ["zz"], "lat": [lat0], "lon": [lon0], "box_lat_min": [lat0 - 5], "box_lat_max": [lat0 + 5],
                          "box_lon_min": [lon0 - 5], "box_lon_max": [lon0 + 5]})
    prov = {"satcol_version": "0", "git_commit": "x", "config_sha256": "c", "input_sha256": {}}
    res = [colocation.month_candidates(corrected, table, s / "p.nc", sites, tmp_path / f"c{i}.nc", prov)
           for i, s in enumerate((old, src))]
    assert res[0] == res[1] and res[0]["n_pairs"] > 10
    with xr.open_dataset(tmp_path / "c0.nc") as c0, xr.open_dataset(tmp_path / "c1.nc") as c1:
        xr.testing.assert_identical(c0.load(), c1.load())
    # The export of the kept soundings too (several blocks).
    scale = {"value": 1.05, "source": "t", "uncertainty": 0.0, "scale_to": "tccon_standard"}
    m = export.CorrelationModel("exponential", 0.3, 40.0)
    for s, name in ((old, "e0.nc"), (src, "e1.nc")):
        export.write_month_soundings(table, corrected, s / "p.nc", scale, {"land": m, "water": m}, prov,
                                     [str(f) for f in files], "2009-07", tmp_path / name, block=4096)
    with xr.open_dataset(tmp_path / "e0.nc") as e0, xr.open_dataset(tmp_path / "e1.nc") as e1:
        assert e0.sizes["kept_sounding"] == int((corrected["qc"] == 0).sum())
        xr.testing.assert_identical(e0.load(), e1.load())


def test_changed_missing_or_unknown_sources_are_refused(tmp_path, synthetic_day, second_day):
    files = _two_days(tmp_path, synthetic_day, second_day)
    out, _ = _ingest(tmp_path, files, "source")
    with open(files[1], "ab") as f:  # the second file changed after ingest
        f.write(b"\0" * 16)
    with store_profiles.open_profiles(out / "p.nc") as r:
        r.read(np.arange(10), ["pressure"])  # the first file is unchanged
        with pytest.raises(BadInputError, match="re-ingest") as err:
            r.read(np.array([r.n - 1]), ["pressure"])
        assert err.value.path == str(files[1]) and err.value.dataset == "source_size"
    files[1].unlink()
    with store_profiles.open_profiles(out / "p.nc") as r, pytest.raises(BadInputError, match="is gone") as err:
        r.read(np.array([r.n - 1]), ["pressure"])
    assert err.value.path == str(files[1])
    with h5py.File(out / "p.nc", "a") as f:
        f.attrs["satcol_profile_storage"] = "zarr"
    with pytest.raises(BadInputError, match="unknown profile storage") as err:
        store_profiles.open_profiles(out / "p.nc")
    assert err.value.dataset == "satcol_profile_storage" and err.value.path == str(out / "p.nc")
