"""The instrument interface: the registry, MOPITT's declaration, and a second instrument made
here (its own file format, reader, species, QC bits and prefilter) run through the stages that
are instrument-neutral: ingest to the canonical store, the prefilter hook, colocation candidates
and the QC variable of the export. No MOPITT code is touched for it.

What the toy instrument's stages must give is known from what the test writes into its files
(the injected truth). The per-instrument QC registry is checked where it matters: the toy's bits
1 and 2 are MOPITT's ``night`` and ``snow_ice``, so a stage that took MOPITT's registry instead
of the instrument's would write the wrong meanings (checked: with ``export.qc_variable`` given
MOPITT's registry, or ``MonthStoreWriter`` ignoring its instrument, these tests fail).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import xarray as xr

from satcol import instruments
from satcol.core import store
from satcol.core.errors import BadInputError
from satcol.core.qcbits import (
    CORE_BITS,
    QC_DTYPE,
    QCBit,
    QCRegistry,
)
from satcol.export import products as export
from satcol.instruments import base
from satcol.instruments.mopitt import qc as qcmod
from satcol.pipeline import ingest
from satcol.validation import colocation

# --- MOPITT's declaration ------------------------------------------------------------------------


def test_mopitt_is_registered_with_its_bits_unchanged():
    """The MOPITT registry keeps the bit numbers every product written so far carries (the
    pre-registry qc.QC_BITS table: input_fill 0, the three prefilter bits 1-3, the 23 filter bits
    4-26 in filter-field order)."""
    m = instruments.get("mopitt")
    assert "mopitt" in instruments.available()
    assert m.name == "mopitt" and m.correction == "h19"
    assert [s.name for s in m.species] == ["co"] and m.primary_species.units == "1e-9"
    assert m.grid.state_space == "log10_vmr" and m.grid.n_levels == 10
    assert m.footprints.column == "pixel" and m.footprints.n == 4
    expected = {"input_fill": 0, "night": 1, "snow_ice": 2, "mixed_surface": 3, "filter_emis_diff": 4,
                "filter_dof": 5, "filter_modis_snow_ice": 8, "filter_snr_7a": 13, "filter_xco_err": 23,
                "filter_pixel": 26}
    assert {b.name: b.bit for b in m.qc if b.name in expected} == expected
    assert len(m.qc) == 27 and max(b.bit for b in m.qc) == 26
    # The module-level API of the MOPITT chain is this registry.
    assert qcmod.QC_BITS == m.qc.bits and qcmod.mask_of("snow_ice") == 4
    assert [h.name for h in m.prefilters] == ["snow_ice"]
    assert set(m.prefilters[0].bits) == {"night", "snow_ice", "mixed_surface"}
    # The store's contract is the instrument's; every MOPITT diagnostic is outside the core.
    assert store.COLUMNS is m.columns and set(base.CORE_COLUMNS) <= set(m.columns)
    assert {"snr_5a", "modis_snow_ice", "pixel", "stare", "track"} <= set(m.diagnostics)
    assert not set(m.diagnostics) & set(base.CORE_COLUMNS)
    # The grid of the declaration: surface slot + the nine fixed levels above a 1013 hPa surface.
    p = m.grid.level_pressures(np.array([1013.0]))[0]
    np.testing.assert_array_equal(p, [1013.0, 900, 800, 700, 600, 500, 400, 300, 200, 100])


def test_mopitt_format_constants_are_defined_once():
    """Reader, synthetic writer, grid and pixel-bias code use the instrument's constants (the
    same objects, not copies that could drift)."""
    from satcol.instruments.mopitt import format as fmt
    from satcol.instruments.mopitt import levels, pixel_bias, reader
    from satcol.synthetic import mopitt as synth
    from satcol.synthetic import mopitt_writer as writer

    assert reader.GEO is fmt.GEO and writer.GEO is fmt.GEO and reader.DATA is fmt.DATA and writer.DATA is fmt.DATA
    assert reader.FILENAME_RE is fmt.FILENAME_RE and reader.LAYOUTS is fmt.LAYOUTS
    assert reader.DEFAULT_FILL == writer.FILL == fmt.FILL == -9999.0
    assert levels.PRESSURE_GRID is fmt.PRESSURE_GRID and levels.N_LEVELS == fmt.N_LEVELS == 10
    assert pixel_bias.N_PIX == fmt.N_PIXELS == 4
    # The synthetic V9 files put the snow/ice diagnostic where the reader's V9 layout reads it.
    assert synth.MODIS_SNOW_ICE_ELEMENT == reader.LAYOUTS[9].snow_ice_element == 6
    assert synth.L1_ELEMENT["5A"] == reader.LAYOUTS[9].l1_element["5A"]


# --- the QC registry ---------------------------------------------------------------------------------


def test_registry_refuses_collisions_and_bits_a_cf_export_cannot_hold():
    with pytest.raises(ValueError, match="duplicate"):
        QCRegistry("x", (QCBit(0, "clash_with_core", "", "s"),))
    with pytest.raises(ValueError, match="duplicate"):
        QCRegistry("x", (QCBit(1, "a", "", "s"), QCBit(2, "a", "", "s")))
    with pytest.raises(ValueError, match="outside 0-30"):
        QCRegistry("x", (QCBit(31, "sign_bit", "", "s"),))
    with pytest.raises(ValueError, match="token"):
        QCRegistry("x", (QCBit(3, "two words", "", "s"),))
    with pytest.raises(KeyError, match="night"):
        QCRegistry("x", (QCBit(3, "aot", "", "s"),), prefilter=("night",))
    r = QCRegistry("x", (QCBit(30, "top", "", "s"), QCBit(5, "mid", "", "s")))
    assert [b.bit for b in r] == [0, 5, 30]  # core bit first, in bit order
    qc = np.array([0, 1, 1 << 30, (1 << 5) | (1 << 7)], dtype=QC_DTYPE)
    assert r.unregistered(qc) == 1 << 7
    assert r.counts_per_bit(qc) == {"input_fill": 1, "mid": 1, "top": 1}


# --- a second instrument, made here ---------------------------------------------------------------

TOY_RE = re.compile(r"^TOYFTS_CH4_(\d{8})_v(\d+)\.h5$")
#: Toy surface flag in the files: 'O' ocean, 'L' land, 'C' coast; the reader maps it to the
#: canonical codes 0 / 1 / 2.
TOY_SURFACE = {b"O": 0, b"L": 1, b"C": 2}
TOY_LEVELS = 3


@dataclasses.dataclass(frozen=True)
class ToyInfo:
    path: Path
    date: dt.date
    version: str
    beta: bool = False

    @property
    def version_key(self) -> tuple:
        return (int(self.version), 1)


def toy_parse(path) -> ToyInfo:
    path = Path(path)
    m = TOY_RE.match(path.name)
    if not m:
        raise BadInputError(path, "bad_filename", "not TOYFTS_CH4_YYYYMMDD_vN.h5")
    return ToyInfo(path, dt.datetime.strptime(m.group(1), "%Y%m%d").date(), m.group(2))


TOY_SCALARS = ("lat", "lon", "time", "sza", "psurf", "xch4", "xch4_err", "xch4_prior", "dof", "aot", "albedo")


def toy_read(path):
    """The toy product: flat datasets of one HDF5 file -> canonical table + profiles."""
    with h5py.File(path, "r") as f:
        for name in (*TOY_SCALARS, "surface_flag", "profile", "prior", "ak"):
            if name not in f:
                raise BadInputError(path, "missing_dataset", "required dataset is missing", name)
        d = {name: f[name][()] for name in (*TOY_SCALARS, "surface_flag", "profile", "prior", "ak")}
    n = d["lat"].size
    table = {
        "time": (d["time"] * 1e6).astype("int64").astype("datetime64[us]"),
        "lat": d["lat"], "lon": d["lon"],
        "surface": np.array([TOY_SURFACE[s] for s in d["surface_flag"]], dtype=np.int8),
        "sza": d["sza"], "psurf": d["psurf"],
        "xgas": d["xch4"], "xgas_error": d["xch4_err"], "xgas_prior": d["xch4_prior"], "dof": d["dof"],
        "aot": d["aot"], "albedo": d["albedo"],
    }
    p = np.broadcast_to(np.array([1.0, 0.5, 0.1]), (n, TOY_LEVELS)) * d["psurf"][:, None]
    profiles = {"pressure": p, "retrieved_vmr": d["profile"], "prior_vmr": d["prior"], "averaging_kernel": d["ak"]}
    return table, profiles


def toy_input_fill(table, profiles):
    bad = np.zeros(len(table["xgas"]), dtype=bool)
    for key in ("lat", "lon", "xgas", "xgas_error", "psurf"):
        bad |= ~np.isfinite(table[key])
    return bad | ~np.isfinite(profiles["retrieved_vmr"]).all(axis=1)


def toy_screen(df, aot_max=0.3, albedo_min=0.05):
    """The toy's prefilter: thick aerosol and dark surfaces (its own bits 1 and 2)."""
    qc = df["qc"].to_numpy(dtype=QC_DTYPE).copy()
    TOY_QC.set_bit(qc, "high_aot", df["aot"].to_numpy() > aot_max)
    TOY_QC.set_bit(qc, "low_albedo", df["albedo"].to_numpy() < albedo_min)
    return qc


TOY_QC = QCRegistry("toyfts", (
    QCBit(1, "high_aot", "aerosol optical thickness > aot_max", "prefilter"),
    QCBit(2, "low_albedo", "surface albedo < albedo_min", "prefilter"),
    QCBit(30, "cirrus", "cirrus (not set by this test's stages)", "screening"),
), prefilter=("high_aot", "low_albedo"))

TOY_COLUMNS = {**base.CORE_COLUMNS, "aot": "float32", "albedo": "float32"}


def make_toy() -> base.Instrument:
    return base.Instrument(
        name="toyfts", title="ToyFTS",
        species=(base.Species("ch4", "xgas", "xch4", "1e-9", "mole_fraction_of_methane_in_air",
                              "CH4 column-averaged dry-air mole fraction"),),
        file_pattern=TOY_RE, parse_filename=toy_parse, read=toy_read, input_fill=toy_input_fill,
        columns=TOY_COLUMNS,
        diagnostics={"aot": ("1", "aerosol optical thickness"), "albedo": ("1", "surface albedo")},
        profile_vars={
            "pressure": (("sounding", "level"), "hPa", "level pressure"),
            "retrieved_vmr": (("sounding", "level"), "1e-9", "retrieved CH4"),
            "prior_vmr": (("sounding", "level"), "1e-9", "prior CH4"),
            "averaging_kernel": (("sounding", "level", "level_in"), "1", "averaging kernel d x_hat / d x"),
        },
        profile_dims={"level": TOY_LEVELS, "level_in": TOY_LEVELS},
        grid=base.VerticalGrid("vmr", TOY_LEVELS, "surface, 0.5 psurf, 0.1 psurf"),
        qc=TOY_QC,
        prefilters=(base.PrefilterHook("aerosol_albedo", toy_screen, ("high_aot", "low_albedo"), "toy_screen",
                                       ("aot_max", "albedo_min"), "this test"),),
        footprints=None, correction="none")


@pytest.fixture
def toy():
    inst = instruments.register(make_toy())
    yield inst
    instruments.unregister("toyfts")


def toy_day(rng, day: dt.date, n: int) -> dict:
    t0 = (dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)).timestamp()
    d = {
        "lat": rng.uniform(-60, 60, n).astype("f4"), "lon": rng.uniform(-180, 180, n).astype("f4"),
        "time": np.sort(t0 + rng.uniform(0, 86000, n)),
        "sza": rng.uniform(10, 70, n).astype("f4"), "psurf": rng.uniform(700, 1013, n).astype("f4"),
        "xch4": rng.normal(1900, 10, n).astype("f4"), "xch4_err": rng.uniform(5, 9, n).astype("f4"),
        "xch4_prior": np.full(n, 1880, "f4"), "dof": rng.uniform(1, 2, n).astype("f4"),
        "aot": rng.uniform(0, 0.6, n).astype("f4"), "albedo": rng.uniform(0.0, 0.5, n).astype("f4"),
        "surface_flag": rng.choice([b"O", b"L", b"C"], n),
        "profile": rng.normal(1900, 20, (n, TOY_LEVELS)).astype("f4"),
        "prior": np.full((n, TOY_LEVELS), 1880, "f4"),
        "ak": np.broadcast_to(np.eye(TOY_LEVELS, dtype="f4") * 0.7, (n, TOY_LEVELS, TOY_LEVELS)).copy(),
    }
    return d


def write_toy(path, d: dict) -> Path:
    with h5py.File(path, "w") as f:
        for k, v in d.items():
            f.create_dataset(k, data=v)
    return path


@pytest.fixture
def toy_files(tmp_path):
    """Two days; day 1 also in an older version (superseded); one sounding without XCH4 (input
    fill); a file of another product in the directory."""
    rng = np.random.default_rng(20)
    d1, d2 = toy_day(rng, dt.date(2020, 1, 5), 40), toy_day(rng, dt.date(2020, 1, 6), 30)
    d1["xch4"][7] = np.nan
    d1["lat"][:5], d1["lon"][:5] = 10.2, 20.3  # five soundings in the test site's box
    d2["lat"][:4], d2["lon"][:4] = 9.8, 19.7   # and four more the next day
    files = [write_toy(tmp_path / "TOYFTS_CH4_20200105_v2.h5", d1),
             write_toy(tmp_path / "TOYFTS_CH4_20200105_v1.h5", toy_day(rng, dt.date(2020, 1, 5), 12)),
             write_toy(tmp_path / "TOYFTS_CH4_20200106_v2.h5", d2)]
    other = tmp_path / "MOP02J-20200105-L2V19.9.3.he5"
    other.write_bytes(b"not this instrument's file")
    return {"files": files, "other": other, "days": [d1, d2]}


def test_register_get_available(toy):
    assert instruments.get("toyfts") is toy
    assert instruments.available() == ["gosat", "mopitt", "toyfts"]
    with pytest.raises(ValueError, match="registered already"):
        instruments.register(make_toy())
    with pytest.raises(ValueError, match="registered already"):
        instruments.register(dataclasses.replace(make_toy(), name="mopitt", prefilters=(), qc=QCRegistry("mopitt", ())))
    with pytest.raises(KeyError, match="available: .*toyfts"):
        instruments.get("gosat_fts_swir")
    with pytest.raises(TypeError):
        instruments.register("toyfts")


def test_declaration_is_checked():
    with pytest.raises(ValueError, match="core column 'qc'"):
        dataclasses.replace(make_toy(), columns={**TOY_COLUMNS, "qc": "uint16"})
    with pytest.raises(ValueError, match="diagnostics"):
        dataclasses.replace(make_toy(), diagnostics={"aot": ("1", "")})
    with pytest.raises(KeyError, match="toyfts QC bit 'night'"):
        dataclasses.replace(make_toy(), prefilters=(base.PrefilterHook("x", toy_screen, ("night",), "s", (), ""),))
    with pytest.raises(ValueError, match="dims"):
        dataclasses.replace(make_toy(), profile_vars={"pressure": (("sounding", "layer"), "hPa", "")})


def test_second_instrument_ingest_prefilter_colocation_export(tmp_path, toy, toy_files):
    out = tmp_path / "store"
    # Skip mode: the MOPITT file among the toy's files is a bad input *for this instrument*.
    report = ingest.ingest_month(toy, "2020-01", toy_files["files"] + [toy_files["other"]],
                                 out / "soundings.parquet", out / "profiles.nc", {"on_bad_input": "skip"})
    d1, d2 = toy_files["days"]
    n = d1["lat"].size + d2["lat"].size
    assert report["n_soundings"] == n == 70
    assert [r["reason"] for r in report["skipped"]] == ["bad_filename"]
    assert [Path(s["file"]).name for s in report["superseded"]] == ["TOYFTS_CH4_20200105_v1.h5"]
    codes = np.concatenate([d1["surface_flag"], d2["surface_flag"]])
    assert report["by_surface"] == {name: int(np.count_nonzero(codes == flag)) for flag, name in
                                    ((b"O", "water"), (b"L", "land"), (b"C", "mixed")) if (codes == flag).any()}
    # Only the instrument's own bits are counted; the one sounding without XCH4 is input_fill.
    assert report["qc_counts"] == {"input_fill": 1, "high_aot": 0, "low_albedo": 0, "cirrus": 0}

    df = store.read_soundings(out / "soundings.parquet")
    assert list(df.columns) == list(TOY_COLUMNS)  # its own diagnostics, none of MOPITT's
    np.testing.assert_array_equal(df["xgas"].to_numpy(), np.concatenate([d1["xch4"], d2["xch4"]]))
    np.testing.assert_array_equal(df["aot"].to_numpy(), np.concatenate([d1["aot"], d2["aot"]]))
    np.testing.assert_array_equal(df["surface"].to_numpy(), [TOY_SURFACE[c] for c in codes])
    assert np.flatnonzero(df["qc"].to_numpy()).tolist() == [7]
    meta = pq.read_schema(out / "soundings.parquet").metadata
    assert meta[b"satcol_instrument"] == b"toyfts"
    assert json.loads(meta[b"qc_flags"])["flag_meanings"] == "input_fill high_aot low_albedo cirrus"
    with xr.open_dataset(out / "profiles.nc", engine="h5netcdf") as prof:
        assert prof.sizes == {"sounding": 70, "level": TOY_LEVELS, "level_in": TOY_LEVELS}
        assert prof.attrs["satcol_instrument"] == "toyfts"
        np.testing.assert_array_equal(prof["retrieved_vmr"].values, np.concatenate([d1["profile"], d2["profile"]]))

    # Prefilter through the instrument's hook, with its config section.
    cfg = {"toy_screen": {"aot_max": 0.4, "albedo_min": 0.1, "unrelated_key": 1}}
    qc = toy.prefilter(df, cfg)
    aot = np.concatenate([d1["aot"], d2["aot"]])
    alb = np.concatenate([d1["albedo"], d2["albedo"]])
    np.testing.assert_array_equal(toy.qc.any_of(qc, ["high_aot"]), aot > np.float32(0.4))
    np.testing.assert_array_equal(toy.qc.any_of(qc, ["low_albedo"]), alb < np.float32(0.1))
    assert toy.qc.any_of(qc, ["input_fill"]).sum() == 1
    passes = toy.qc.passes_prefilter(qc)
    np.testing.assert_array_equal(passes, qc == 0)
    assert 0 < passes.sum() < n

    # Colocation candidates: kept soundings in a site's box, with their 3-level profiles.
    sites = pd.DataFrame({"id": ["zz"], "lat": [10.0], "lon": [20.0], "box_lat_min": [9.0], "box_lat_max": [11.0],
                          "box_lon_min": [19.0], "box_lon_max": [21.0]})
    corrected = pd.DataFrame({"sounding_id": df["sounding_id"], "qc": qc, "xgas": df["xgas"],
                              "xgas_corrected": df["xgas"]})  # correction "none"
    cand_path = tmp_path / "candidates.nc"
    res = colocation.month_candidates(corrected, df, out / "profiles.nc", sites, cand_path, report["provenance"],
                                         instrument=toy)
    lat, lon = df["lat"].to_numpy(), df["lon"].to_numpy()
    in_box = (lat >= 9) & (lat <= 11) & (lon >= 19) & (lon <= 21)
    expect = np.flatnonzero(in_box & passes)
    assert in_box.sum() == 9 and res["n_pairs"] == expect.size == res["per_site"].get("zz", 0)
    got = colocation.read_site_candidates([cand_path], "zz", instrument=toy)
    np.testing.assert_array_equal(got["sounding_id"], df["sounding_id"].to_numpy()[expect])
    assert "pixel" not in got and got["averaging_kernel"].shape == (expect.size, TOY_LEVELS, TOY_LEVELS)
    np.testing.assert_array_equal(got["retrieved_vmr"],
                                  np.concatenate([d1["profile"], d2["profile"]])[expect])
    with xr.open_dataset(cand_path, engine="h5netcdf") as c:
        assert c.attrs["title"].startswith("satcol: ToyFTS soundings")
        assert "TOYFTS_CH4_20200106_v2.h5" in json.loads(c.attrs["satcol_input_sha256"])

    # Export: the QC variable says what the toy's bits mean, and a CF reader decodes them.
    ds = xr.Dataset({"qc": export.qc_variable("sounding", qc, toy.qc)})
    path = tmp_path / "export.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    with xr.open_dataset(path, engine="h5netcdf") as back:
        masks = back["qc"].attrs["flag_masks"]
        meanings = back["qc"].attrs["flag_meanings"].split()
        values = back["qc"].values
    assert meanings == ["input_fill", "high_aot", "low_albedo", "cirrus"]
    decoded = [{m for m, k in zip(meanings, masks, strict=True) if v & k} for v in values]
    expected = [({"input_fill"} if bad else set()) | ({"high_aot"} if a > np.float32(0.4) else set())
                | ({"low_albedo"} if b < np.float32(0.1) else set())
                for bad, a, b in zip(np.arange(n) == 7, aot, alb, strict=True)]
    assert decoded == expected
    with pytest.raises(ValueError, match="unregistered bit"):
        export.qc_variable("sounding", np.array([1 << 5], dtype=QC_DTYPE), toy.qc)


def test_core_bits_are_shared():
    """input_fill has the same number in every registry, so an instrument-neutral stage (ingest)
    sets the same bit whatever the instrument."""
    assert CORE_BITS[0].name == "input_fill"
    assert TOY_QC.mask_of("input_fill") == instruments.get("mopitt").qc.mask_of("input_fill") == 1


def test_mopitt_prefilter_hook_takes_its_config_section():
    """The QC chain runs MOPITT's prefilter through the hook: the config's thresholds reach it
    (here 70 deg and 0.5 instead of the defaults 80 deg and 0.999, so rows 1 and 2 differ)."""
    m = instruments.get("mopitt")
    df = pd.DataFrame({"qc": np.zeros(4, dtype=QC_DTYPE), "sza": [30.0, 75.0, 30.0, 30.0],
                       "modis_snow_ice": [1.0, 1.0, 0.9, 0.4], "surface": [1, 1, 0, 2]})
    qc = m.prefilter(df, {"prefilter": {"sza_max": 70.0, "snow_ice_min": 0.5}, "sra": {"min_soundings": 3}})
    assert [sorted(b.name for b in m.qc if v & b.mask) for v in qc] == [
        [], ["night"], [], ["mixed_surface", "snow_ice"]]
    default = m.prefilter(df, {})
    assert [sorted(b.name for b in m.qc if v & b.mask) for v in default] == [
        [], [], ["snow_ice"], ["mixed_surface", "snow_ice"]]
    np.testing.assert_array_equal(m.qc.passes_prefilter(qc), [True, False, True, False])
