"""Ingest: every sounding comes through, values survive, bad input fails or is counted."""

import shutil

import h5py
import numpy as np
import pytest

from satcol.core import store
from satcol.core.errors import BadInputError
from satcol.pipeline import ingest


def run_ingest(tmp_path, files, on_bad="fail"):
    cfg = {"on_bad_input": on_bad}
    out = tmp_path / "store"
    report = ingest.ingest_mopitt_month("2009-07", files, out / "s.parquet", out / "p.nc", cfg)
    return report, store.read_soundings(out / "s.parquet")


def test_ingest_returns_every_sounding(tmp_path, synthetic_day):
    report, df = run_ingest(tmp_path, [synthetic_day["path"]])
    f = synthetic_day["fields"]
    n = f["Latitude"].size
    assert report["n_soundings"] == len(df) == n
    assert report["n_kept"] + report["n_flagged"] == n
    xco = 1e9 * f["RetrievedCOTotalColumn"][:, 0] / f["DryAirColumn"]
    # float32 storage: relative rounding ~6e-8
    np.testing.assert_allclose(df["xgas"], xco, rtol=2e-6)
    np.testing.assert_allclose(df["lat"], f["Latitude"], rtol=1e-6)
    np.testing.assert_array_equal(df["pixel"], f["SwathIndex"][:, 0])
    np.testing.assert_allclose(df["dof"], f["DegreesofFreedomforSignal"], rtol=1e-6)
    assert df["sounding_id"].is_unique
    assert report["provenance"]["input_sha256"][synthetic_day["path"].name] == report["files"][0]["sha256"]


def _copy(src, dst_dir, name=None):
    dst = dst_dir / (name or src.name)
    shutil.copy(src, dst)
    return dst


def test_read_soundings_equals_pandas(tmp_path, synthetic_day):
    """store.read_soundings (one block per column, issue #7) gives the frame pandas.read_parquet
    gives: columns, dtypes (UTC times, small ints), values and index, whole and as a subset."""
    import pandas as pd

    run_ingest(tmp_path, [synthetic_day["path"]])
    path = tmp_path / "store" / "s.parquet"
    for columns in (None, ["time", "surface", "pixel", "xgas", "qc", "sounding_id"]):
        ours, theirs = store.read_soundings(path, columns=columns), pd.read_parquet(path, columns=columns)
        assert list(ours.columns) == list(theirs.columns)
        assert ours.dtypes.equals(theirs.dtypes)
        pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    assert str(ours["time"].dtype) == "datetime64[us, UTC]"


def test_truncated_file(tmp_path, synthetic_day):
    bad = _copy(synthetic_day["path"], tmp_path)
    with open(bad, "r+b") as f:
        f.truncate(bad.stat().st_size // 3)
    with pytest.raises(BadInputError, match=bad.name) as e:
        run_ingest(tmp_path, [bad])
    assert e.value.reason == "unreadable"
    report, df = run_ingest(tmp_path, [bad], on_bad="skip")
    assert len(df) == 0 and report["skipped"][0]["reason"] == "unreadable"


def test_missing_dataset(tmp_path, synthetic_day):
    bad = _copy(synthetic_day["path"], tmp_path)
    with h5py.File(bad, "a") as f:
        del f["HDFEOS/SWATHS/MOP02/Data Fields/DegreesofFreedomforSignal"]
    with pytest.raises(BadInputError, match="DegreesofFreedomforSignal") as e:
        run_ingest(tmp_path, [bad])
    assert e.value.reason == "missing_dataset" and bad.name in str(e.value)
    report, _ = run_ingest(tmp_path, [bad], on_bad="skip")
    assert [s["reason"] for s in report["skipped"]] == ["missing_dataset"]
    assert report["skipped"][0]["dataset"].endswith("DegreesofFreedomforSignal")


def test_all_fill_day(tmp_path, synthetic_day):
    bad = _copy(synthetic_day["path"], tmp_path)
    with h5py.File(bad, "a") as f:
        d = f["HDFEOS/SWATHS/MOP02/Data Fields/RetrievedCOTotalColumn"]
        d[...] = -9999.0
    with pytest.raises(BadInputError, match="every retrieved CO column is fill") as e:
        run_ingest(tmp_path, [bad])
    assert e.value.reason == "all_fill"
    report, df = run_ingest(tmp_path, [bad], on_bad="skip")
    assert len(df) == 0 and report["skipped"][0]["reason"] == "all_fill"


def test_duplicate_processor_versions_take_newest(tmp_path, synthetic_day, caplog):
    src = synthetic_day["path"]
    old = _copy(src, tmp_path, src.name.replace("L2V19.9.3", "L2V19.9.3.beta"))
    new = _copy(src, tmp_path)
    with h5py.File(old, "a") as f:  # make the old version distinguishable
        f["HDFEOS/SWATHS/MOP02/Data Fields/DegreesofFreedomforSignal"][...] = 0.5
    with caplog.at_level("INFO", logger="satcol.pipeline.ingest"):
        report, df = run_ingest(tmp_path, [old, new])
    assert len(df) == synthetic_day["fields"]["Latitude"].size  # one day, not two
    # A released file supersedes the beta of the same processor version.
    assert [(s["version"], s["beta"]) for s in report["superseded"]] == [("19.9.3", True)]
    assert report["files"][0]["version"] == "19.9.3" and report["files"][0]["beta"] is False
    assert not np.isclose(df["dof"], 0.5).all()
    assert "superseded" in caplog.text


def test_checksum_is_of_the_file_read(tmp_path, synthetic_day):
    """The newest version of a day is unreadable and skipped: the older one is read, and the
    checksum recorded (hashed beside the read) is that file's SHA-256, not the skipped one's."""
    import hashlib

    src = synthetic_day["path"]
    old = _copy(src, tmp_path, src.name.replace("L2V19.9.3", "L2V19.9.3.beta"))
    bad_new = _copy(src, tmp_path)
    with open(bad_new, "r+b") as f:
        f.truncate(bad_new.stat().st_size // 3)
    report, df = run_ingest(tmp_path, [old, bad_new], on_bad="skip")
    assert len(df) == synthetic_day["fields"]["Latitude"].size
    assert [s["reason"] for s in report["skipped"]] == ["unreadable"]
    want = hashlib.sha256(old.read_bytes()).hexdigest()
    assert report["files"][0]["version"] == "19.9.3" and report["files"][0]["beta"] and report["files"][0]["sha256"] == want
    assert report["provenance"]["input_sha256"] == {old.name: want}


def test_checksums_hashed_a_day_ahead_are_those_of_the_files_read(tmp_path, synthetic_day):
    """Ingest hashes the next day's newest file while it reads the current day. Over three days,
    where the second day's newest version is unreadable and skipped, each day's recorded
    checksum is the SHA-256 of the file read that day."""
    import datetime as dt
    import hashlib

    from satcol.synthetic import mopitt as synthetic_mopitt
    from satcol.synthetic import mopitt_writer

    cfg = synthetic_day["config"]["synthetic"]
    files, read = [], []
    for k, day in enumerate(dt.date(2009, 7, d) for d in (17, 18, 19)):
        fields, _ = synthetic_mopitt.simulate_day(day, cfg)
        good = mopitt_writer.write_mop02(tmp_path / mopitt_writer.file_name(day, "19.9.2"), fields, day, "19.9.2")
        files.append(good)
        read.append(good)
        if k == 1:
            bad = _copy(good, tmp_path, mopitt_writer.file_name(day, "19.9.3"))
            with open(bad, "r+b") as f:
                f.truncate(bad.stat().st_size // 3)
            files.append(bad)
    report, _ = run_ingest(tmp_path, files, on_bad="skip")
    assert [s["reason"] for s in report["skipped"]] == ["unreadable"]
    want = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in read}
    assert len(set(want.values())) == 3
    assert report["provenance"]["input_sha256"] == want
    assert [r["sha256"] for r in report["files"]] == [want[p.name] for p in read]


def test_fill_inside_a_sounding_is_flagged_not_dropped(tmp_path, synthetic_day):
    bad = _copy(synthetic_day["path"], tmp_path)
    with h5py.File(bad, "a") as f:
        d = f["HDFEOS/SWATHS/MOP02/Data Fields/DegreesofFreedomforSignal"]
        v = d[...]
        v[:5] = -9999.0
        d[...] = v
    report, df = run_ingest(tmp_path, [bad])
    assert len(df) == synthetic_day["fields"]["Latitude"].size
    assert report["qc_counts"]["input_fill"] == 5 and (df["qc"].to_numpy()[:5] == 1).all()


def test_bad_filename(tmp_path, synthetic_day):
    bad = _copy(synthetic_day["path"], tmp_path, "MOP02J-2009-L2.he5")
    with pytest.raises(BadInputError, match="bad_filename"):
        run_ingest(tmp_path, [bad])


def test_sha256_file_equals_hashlib(tmp_path):
    import hashlib

    from satcol.core.provenance import sha256_file

    empty, data = tmp_path / "empty", tmp_path / "data"
    empty.write_bytes(b"")
    payload = np.random.default_rng(1).bytes(5 * 1024 * 1024 + 7)
    data.write_bytes(payload)
    assert sha256_file(empty) == hashlib.sha256(b"").hexdigest()
    assert sha256_file(data) == hashlib.sha256(payload).hexdigest()


def test_blocked_passes_equal_whole_array_definitions(tmp_path):
    """The row-blocked reads and passes of ingest (issue #7) give the whole-array results, bit
    for bit, for a row count that is not a multiple of the block and with fill, inf and NaN."""
    from satcol.instruments.mopitt import reader as mopitt

    n = 3 * mopitt.BLOCK_ROWS + 17
    rng = np.random.default_rng(7)
    m = rng.normal(size=(n, 10, 10)).astype(np.float32)
    m[::5, :, :3] = -9999.0
    m[::7, 2, :] = np.inf
    m[::11, :4, :] = np.nan
    with h5py.File(tmp_path / "m.h5", "w") as f:
        f["m"] = m
    with h5py.File(tmp_path / "m.h5", "r") as f:
        diag = mopitt._read_diagonals(f["m"])
    np.testing.assert_array_equal(diag, np.diagonal(m, axis1=1, axis2=2))

    whole = m.copy()
    np.copyto(whole, np.nan, where=(whole == -9999.0) | np.isinf(whole))
    blocked = m.copy()
    mopitt._fill_to_nan(blocked, -9999.0)
    np.testing.assert_array_equal(blocked, whole)  # NaN positions equal too
    np.testing.assert_array_equal(mopitt._ak_sums(blocked), np.nansum(whole, axis=(1, 2)))

    # input_fill_mask: a non-finite AK element between two retrieved levels flags the sounding.
    valid_levels = np.ones((n, 10), dtype=bool)
    valid_levels[::3, 0] = False  # surface slot not retrieved: its AK row/column does not count
    retrieved = np.where(valid_levels, 50.0, np.nan)
    ak = rng.normal(size=(n, 10, 10)).astype(np.float32)
    ak[::3, 0, :] = np.nan
    hit = np.arange(5, n, 9)
    ak[hit, 4, 6] = np.nan
    table = {k: np.ones(n) for k in ("lat", "lon", "xgas", "xgas_error", "psurf", "dof", "sza")}
    bad = ingest.input_fill_mask(table, {"retrieved_vmr": retrieved, "averaging_kernel": ak, "prior_vmr": retrieved})
    expected = np.zeros(n, dtype=bool)
    expected[hit] = True
    np.testing.assert_array_equal(bad, expected)


def test_ingest_runs_without_pandas(tmp_path, synthetic_day):
    """The ingest job never imports pandas (0.4 s of start-up per job, issue #7): the store is
    written through pyarrow buffers and the report counts the arrays written."""
    import json
    import subprocess
    import sys

    code = ("import sys, json; from satcol.pipeline import ingest; "
            f"r = ingest.ingest_mopitt_month('2009-07', [{str(synthetic_day['path'])!r}], {str(tmp_path / 's.parquet')!r}, "
            f"{str(tmp_path / 'p.nc')!r}, {{'on_bad_input': 'fail'}}); "
            "print(json.dumps([r['n_soundings'], r['n_kept'], 'pandas' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    n, n_kept, pandas_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    df = store.read_soundings(tmp_path / "s.parquet")
    assert n == len(df) == synthetic_day["fields"]["Latitude"].size
    assert n_kept == int((df["qc"] == 0).sum())
    assert not pandas_loaded


def test_input_checksum_is_recomputed_when_the_file_changes(tmp_path):
    """The per-process checksum memo (provenance.input_checksum) gives the file's SHA-256, and
    a new one after the file is rewritten (fails if the memo is keyed by path alone)."""
    import hashlib
    import os

    from satcol.core.provenance import input_checksum

    p = tmp_path / "a.bin"
    p.write_bytes(b"first")
    assert input_checksum(p) == hashlib.sha256(b"first").hexdigest()
    p.write_bytes(b"second")
    os.utime(p, ns=(1, 1))  # a different mtime even on a coarse clock
    assert input_checksum(p) == hashlib.sha256(b"second").hexdigest()
