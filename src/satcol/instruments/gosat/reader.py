"""Read NIES GOSAT TANSO-FTS SWIR L2 daily files (CO2 ``C01S``, CH4 ``C02S``; V02.xx, V03.xx).

The datasets, their paths, shapes, dtypes and attributes are the ones of a real V02.80 CO2 file
(docs/formats-gosat.md, which also holds the table of assumptions where an index's meaning is
not settled). Every dataset is addressed by path from :data:`LAYOUTS` (the product layout as
data); those :func:`canonical` uses (:func:`canonical_fields`; :func:`read_raw` reads the whole
layout on request) are each read whole with h5py's low-level API, its ``invalidValue`` and values
outside its ``validRange`` turned into NaN, and its ``unit`` checked against the layout and converted to
satcol's canonical unit (XCO2 ppm, XCH4 ppb; the files hold both in ppmv). Anything missing or
malformed raises :class:`satcol.core.errors.BadInputError` naming the file and the dataset, with an
inventory of what the file does hold.

The reader returns a canonical per-sounding table plus per-layer profiles
(:func:`read_gosat`), the form an instrument declaration can use; :func:`open_gosat` wraps the
same arrays in an :class:`xarray.Dataset` for notebooks, and :func:`match_scan_ids` pairs the
soundings of two product versions.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

from satcol.core.errors import BadInputError

#: GOSATTFTS{YYYYMMDD}_02{code}V{vvvv}R{yymmdd}GU000.h5 (NIES daily L2 files)
FILENAME_RE = re.compile(r"^GOSATTFTS(\d{8})_02(C0[123]S)V(\d{4})R(\d{6})[A-Z0-9]{5}\.h5$")
#: product code -> species; C03S (H2O) is not read.
PRODUCTS = {"C01S": "CO2", "C02S": "CH4"}
#: Canonical unit and the factor from the files' ppmv, per species.
SPECIES = {
    "CO2": {"variable": "xco2", "units": "ppm", "from_ppmv": 1.0, "long_name": "XCO2"},
    "CH4": {"variable": "xch4", "units": "ppb", "from_ppmv": 1000.0, "long_name": "XCH4"},
}
#: Retrieval sub-bands in the order of ``residualMeanSquare``, ``wavenumberRangeSubBand`` and
#: the second axis of ``SNR`` (assumptions A1, A2 of docs/formats-gosat.md). V03 adds the H2O sub-band
#: (S23 Sect. 3.1) as a fifth entry of ``residualMeanSquare`` (assumption A7).
SUB_BANDS = ("o2a", "wco2", "ch4", "sco2")
FILL = -9999.0
FILL_COLUMN = -1.0e30

SA = "scanAttribute"
QI = "scanAttribute/qualityInformation"
REF = "scanAttribute/referenceData"
GEO = "Data/geolocation"
AUX = "Data/auxiliaryParameter"
RQ = "Data/retrievalQuality"
ANC = "ancillary/FTSL2DataInformation"


@dataclass(frozen=True)
class Field:
    """One dataset of the layout.

    ``path`` may hold ``{G}`` (``CO2``/``CH4``); ``shape`` is the trailing shape after the
    sounding axis (``per_sounding``) or the full shape (ancillary grids); ``unit`` is the
    ``unit`` attribute's value; ``invalid`` the ``invalidValue`` (None: not written).
    """

    path: str
    shape: tuple
    dtype: str
    unit: str | None = None
    invalid: float | None = None
    long_name: str = ""
    valid_range: tuple | None = None
    per_sounding: bool = True


def _f(path, shape=(), unit="none", invalid=FILL, long_name="", valid_range=None, dtype="float32"):
    return Field(path, shape, dtype, unit, invalid, long_name, valid_range)


_V02 = (
    Field(f"{SA}/time", (), "S23", None, None, "time of the observation (UTC)"),
    Field(f"{SA}/scanID", (), "S19", None, None, "scan ID"),
    Field(f"{SA}/crossTrackObservationPoint", (), "int8", "none", 0, "cross-track observation point"),
    Field(f"{SA}/sensor/gain", (2,), "S1", None, None, "gain (H or M) per polarisation"),
    Field(f"{SA}/sensor/observationMode", (), "S4", None, None, "observation mode"),
    _f(f"{QI}/SNR", (4, 3), long_name="signal to noise ratio"),
    Field(f"{QI}/totalPreScreeningResult", (), "int8", "none", -1, "total pre-screening result"),
    Field(f"{QI}/L1BQA", (), "int8", "none", -1, "L1B quality"),
    Field(f"{QI}/CAIRadianceScreening", (), "int8", "none", -1, "CAI radiance screening"),
    Field(f"{QI}/highSolarZenithScreening", (), "int8", "none", -1, "high solar zenith screening"),
    Field(f"{QI}/waterSaturationBandScreening", (), "int8", "none", -1, "2 um water saturation band screening"),
    _f(f"{REF}/X{{G}}", (), "ppmv", long_name="a priori X{G}", valid_range=(0.0, 1.0e5)),
    _f(f"{REF}/{{G}}Profile", (15,), "ppmv", long_name="a priori {G} profile"),
    _f(f"{REF}/surfacePressure", (), "hPa", long_name="a priori surface pressure", valid_range=(300.0, 1100.0)),
    _f(f"{REF}/surfaceAlbedo", (4,), long_name="a priori surface albedo"),
    _f(f"{REF}/surfaceWindSpeed", (), "m/sec", long_name="surface wind speed", valid_range=(0.0, 100.0)),
    _f(f"{REF}/cirrusOpticalThickness", (), long_name="cirrus optical thickness"),
    _f(f"{REF}/cirrusTopPressure", (), "hPa", long_name="cirrus top pressure"),
    _f(f"{REF}/aerosolOpticalThickness", (13, 3), long_name="a priori aerosol optical thickness"),
    _f(f"{REF}/dryAirPartialColumn", (15,), "molecules/cm^2", FILL_COLUMN, "dry air partial column"),
    _f(f"{REF}/temperatureProfile", (21,), "K", long_name="temperature profile"),
    _f(f"{REF}/waterVaporProfile", (21,), "ppmv", long_name="water vapor profile"),
    _f(f"{GEO}/latitude", (), "deg", long_name="latitude", valid_range=(-90.0, 90.0)),
    _f(f"{GEO}/longitude", (), "deg", long_name="longitude", valid_range=(-180.0, 180.0)),
    _f(f"{GEO}/solarZenith", (), "deg", long_name="solar zenith angle", valid_range=(0.0, 180.0)),
    _f(f"{GEO}/solarAzimuth", (), "deg", long_name="solar azimuth angle"),
    _f(f"{GEO}/satelliteZenith", (), "deg", long_name="satellite zenith angle", valid_range=(0.0, 90.0)),
    _f(f"{GEO}/satelliteAzimuth", (), "deg", long_name="satellite azimuth angle"),
    _f(f"{GEO}/airMass", (), long_name="air mass"),
    _f(f"{GEO}/landFraction", (), "percent", long_name="land fraction", valid_range=(0.0, 100.0)),
    Field(f"{GEO}/height", (), "int16", "m", FILL, "surface height"),
    _f(f"{GEO}/footPrintLatitude", (36,), "deg", long_name="footprint latitude"),
    _f(f"{GEO}/footPrintLongitude", (36,), "deg", long_name="footprint longitude"),
    _f("Data/mixingRatio/X{G}", (), "ppmv", long_name="X{G}", valid_range=(0.0, 1.0e5)),
    _f("Data/mixingRatio/X{G}ExternalError", (), "ppmv", long_name="X{G} external error"),
    _f("Data/mixingRatio/X{G}InterferenceError", (), "ppmv", long_name="X{G} interference error"),
    _f("Data/mixingRatio/X{G}RetrievalNoise", (), "ppmv", long_name="X{G} retrieval noise"),
    _f("Data/mixingRatio/X{G}SmoothingError", (), "ppmv", long_name="X{G} smoothing error"),
    _f("Data/totalColumn/{G}TotalColumn", (), "molecules/cm^2", FILL_COLUMN, "{G} total column"),
    _f("Data/totalColumn/{G}TotalColumnExternalError", (), "molecules/cm^2", FILL_COLUMN, "{G} total column external error"),
    _f("Data/totalColumn/{G}TotalColumnInterferenceError", (), "molecules/cm^2", FILL_COLUMN,
       "{G} total column interference error"),
    _f("Data/totalColumn/{G}TotalColumnRetrievalNoise", (), "molecules/cm^2", FILL_COLUMN, "{G} total column retrieval noise"),
    _f("Data/totalColumn/{G}TotalColumnSmoothingError", (), "molecules/cm^2", FILL_COLUMN, "{G} total column smoothing error"),
    _f(f"{AUX}/surfacePressure", (), "hPa", long_name="retrieved surface pressure", valid_range=(300.0, 1100.0)),
    _f(f"{AUX}/aerosolOpticalThickness", (13, 3), long_name="retrieved aerosol optical thickness"),
    _f(f"{AUX}/surfaceAlbedo", (24,), long_name="retrieved surface albedo"),
    _f(f"{AUX}/dryAirTotalColumn", (), "molecules/cm^2", FILL_COLUMN, "dry air total column"),
    _f(f"{RQ}/{{G}}DFS", (), long_name="degree of freedom for signal ({G})"),
    _f(f"{RQ}/chi2", (), long_name="chi square"),
    Field(f"{RQ}/iterations", (), "int8", "none", -1, "number of iterations"),
    _f(f"{RQ}/residualMeanSquare", (4,), long_name="mean square of the normalised spectral residuals per sub-band"),
    _f(f"{RQ}/columnAveragingKernel", (15,), long_name="column averaging kernel"),
    Field(f"{RQ}/totalPostScreeningResult", (), "int8", "none", -1, "total post-screening result"),
    Field(f"{ANC}/prsRefLevel", (21,), "float32", "hPa", None, "reference pressure levels", per_sounding=False),
    Field(f"{ANC}/wavelengthRetAer", (13,), "float32", "micrometer", None, "wavelengths of the retrieved AOT",
          per_sounding=False),
    Field(f"{ANC}/wnRetAlb", (24,), "float32", "cm^-1", None, "wavenumbers of the retrieved albedo", per_sounding=False),
    Field(f"{ANC}/indxRetAlb", (24,), "int32", "none", None, "sub-band index of the retrieved albedo",
          per_sounding=False),
    Field(f"{ANC}/numRetLayer", (1,), "int32", "none", None, "number of retrieval layers", per_sounding=False),
    Field(f"{ANC}/numRefLevel", (1,), "int32", "none", None, "number of reference levels", per_sounding=False),
    Field(f"{ANC}/numSubBand", (1,), "int32", "none", None, "number of sub-bands", per_sounding=False),
    Field(f"{ANC}/wavenumberRangeSubBand", (4, 2), "float32", "cm^-1", None, "wavenumber range of each sub-band",
          per_sounding=False),
)


def _v03(fields):
    """V03 = V02 with S23's changes (assumptions A7, A8 of docs/formats-gosat.md): the H2O
    sub-band as a fifth residual and sub-band, and the retrieved cloud (S23 Sect. 3.1)."""
    out = []
    for fld in fields:
        if fld.path == f"{RQ}/residualMeanSquare":
            fld = Field(fld.path, (5,), fld.dtype, fld.unit, fld.invalid, fld.long_name)
        elif fld.path == f"{ANC}/wavenumberRangeSubBand":
            fld = Field(fld.path, (5, 2), fld.dtype, fld.unit, None, fld.long_name, per_sounding=False)
        out.append(fld)
    out.append(_f(f"{AUX}/cloudOpticalThickness", (), long_name="retrieved cloud optical thickness"))
    out.append(_f(f"{AUX}/cloudTopPressure", (), "hPa", long_name="retrieved cloud top pressure"))
    return tuple(out)


#: Product generation ("02", "03") -> layout.
LAYOUTS = {"02": _V02, "03": _v03(_V02)}
#: Global metadata read for the product code and version (datasets or attributes of the group).
META = "Global/metadata"


@functools.lru_cache(maxsize=None)
def layout(species: str, generation: str) -> tuple[Field, ...]:
    """The fields of a product with the species substituted into the paths."""
    if generation not in LAYOUTS:
        raise KeyError(f"GOSAT product generation {generation!r} not one of {sorted(LAYOUTS)}")
    return tuple(Field(f.path.format(G=species), f.shape, f.dtype, f.unit, f.invalid,
                       f.long_name.format(G=species), f.valid_range, f.per_sounding) for f in LAYOUTS[generation])


@dataclass(frozen=True)
class FileInfo:
    path: Path
    date: dt.date | None
    product_code: str  #: C01S or C02S
    product_version: str  #: e.g. "02.80", "03.05"

    @property
    def species(self) -> str:
        return PRODUCTS[self.product_code]

    @property
    def generation(self) -> str:
        return self.product_version.split(".")[0]


def parse_filename(path):
    """(date, product code, version 'vv.vv') from a NIES file name, or None for another name."""
    m = FILENAME_RE.match(Path(path).name)
    if not m:
        return None
    v = m.group(3)
    return dt.datetime.strptime(m.group(1), "%Y%m%d").date(), m.group(2), f"{v[:2]}.{v[2:]}"


def file_name(day: dt.date, product_code: str, version: str, processed: dt.date | None = None) -> str:
    """The NIES daily file name; ``version`` as '03.05'."""
    processed = processed or day
    return f"GOSATTFTS{day:%Y%m%d}_02{product_code}V{version.replace('.', '')}R{processed:%y%m%d}GU000.h5"


def _text(v) -> str:
    a = np.asarray(v)
    if a.dtype.kind in "SO" or a.dtype.kind == "U":
        x = a.ravel()[0] if a.ndim else a[()]
        return (x.decode("ascii", "replace") if isinstance(x, bytes) else str(x)).strip().rstrip("\x00")
    return str(a.ravel()[0])


def inventory(f) -> list[str]:
    """Every dataset path in an open file, sorted (for error messages and notebooks)."""
    out = []
    f.visititems(lambda name, obj: out.append(name) if isinstance(obj, h5py.Dataset) else None)
    return sorted(out)


def _missing(path, f, what, reason="missing_dataset"):
    inv = inventory(f)
    shown = ", ".join(inv[:80]) + (f", ... ({len(inv)} in all)" if len(inv) > 80 else "")
    return BadInputError(path, reason, f"required dataset is missing; the file holds: {shown or 'no datasets'}", what)


def _meta(f, path, key) -> str:
    try:  # the usual place, a scalar string dataset: one low-level open and read
        dsid = h5py.h5d.open(f.id, f"{META}/{key}".encode())
        if dsid.dtype.kind == "S" and dsid.shape == ():
            buf = np.empty((), dtype=dsid.dtype)
            dsid.read(h5py.h5s.ALL, h5py.h5s.ALL, buf)
            return _text(buf)
    except (KeyError, ValueError, TypeError):
        pass
    grp = f.get(META)
    if grp is None:
        raise _missing(path, f, f"/{META}/{key}")
    if isinstance(grp, h5py.Group) and key in grp and isinstance(grp[key], h5py.Dataset):
        return _text(grp[key][()])
    if key in grp.attrs:
        return _text(grp.attrs[key])
    raise _missing(path, f, f"/{META}/{key}")


def file_info(f, path) -> FileInfo:
    """Product code and version from ``/Global/metadata`` (checked against the file name when
    the name is a NIES one)."""
    code = _meta(f, path, "productCode")
    version = _meta(f, path, "productVersion").lstrip("Vv")
    if code not in PRODUCTS:
        raise BadInputError(path, "unsupported_format", f"product code {code!r} is not read by satcol "
                            f"(reads {', '.join(f'{k} ({v})' for k, v in PRODUCTS.items())})", f"/{META}/productCode")
    if not re.fullmatch(r"\d{2}\.\d{2}", version):
        raise BadInputError(path, "bad_metadata", f"productVersion {version!r} is not of the form vv.vv",
                            f"/{META}/productVersion")
    if version[:2] not in LAYOUTS:
        raise BadInputError(path, "unsupported_format", f"product version {version} is not supported; satcol reads "
                            f"V{', V'.join(sorted(LAYOUTS))}.xx", f"/{META}/productVersion")
    parsed = parse_filename(path)
    date = None
    if parsed is not None:
        date, fcode, fversion = parsed
        if (fcode, fversion) != (code, version):
            raise BadInputError(path, "bad_metadata", f"file name says {fcode} V{fversion} but /{META} says "
                                f"{code} V{version}", f"/{META}/productVersion")
    return FileInfo(Path(path), date, code, version)


#: The datasets :func:`canonical` reads, as layout paths (``{G}``: CO2 or CH4); the others of the
#: layout (footprints, temperature and water vapour profiles, total columns, ...) are not read by
#: default (only the needed fields). ``cot`` comes from the retrieved cloud in V03 and from the
#: reference cirrus in V02 (:data:`COT_FIELD`).
CANONICAL_PATHS = (
    f"{SA}/time", f"{SA}/scanID", f"{SA}/crossTrackObservationPoint", f"{SA}/sensor/gain",
    f"{SA}/sensor/observationMode", f"{QI}/SNR", f"{QI}/totalPreScreeningResult",
    f"{REF}/X{{G}}", f"{REF}/{{G}}Profile", f"{REF}/surfacePressure", f"{REF}/surfaceWindSpeed",
    f"{REF}/dryAirPartialColumn",
    f"{GEO}/latitude", f"{GEO}/longitude", f"{GEO}/solarZenith", f"{GEO}/satelliteZenith", f"{GEO}/airMass",
    f"{GEO}/landFraction", f"{GEO}/height",
    "Data/mixingRatio/X{G}", "Data/mixingRatio/X{G}ExternalError", "Data/mixingRatio/X{G}InterferenceError",
    "Data/mixingRatio/X{G}RetrievalNoise", "Data/mixingRatio/X{G}SmoothingError",
    f"{AUX}/surfacePressure", f"{AUX}/aerosolOpticalThickness", f"{AUX}/surfaceAlbedo",
    f"{RQ}/{{G}}DFS", f"{RQ}/chi2", f"{RQ}/iterations", f"{RQ}/residualMeanSquare", f"{RQ}/columnAveragingKernel",
    f"{RQ}/totalPostScreeningResult",
    f"{ANC}/wavelengthRetAer", f"{ANC}/wnRetAlb", f"{ANC}/wavenumberRangeSubBand",
)
#: Product generation -> the dataset :func:`canonical` takes the cloud optical thickness from.
COT_FIELD = {"02": f"{REF}/cirrusOpticalThickness", "03": f"{AUX}/cloudOpticalThickness"}


@functools.lru_cache(maxsize=None)
def canonical_fields(species: str, generation: str) -> tuple[Field, ...]:
    """The fields of :func:`layout` that :func:`canonical` reads, in layout order."""
    want = {p.format(G=species) for p in CANONICAL_PATHS} | {COT_FIELD[generation]}
    return tuple(fld for fld in layout(species, generation) if fld.path in want)


def _attr(dsid, name: bytes, numeric: bool = False):
    """An attribute of an open dataset as a numpy array, or None when absent (h5py's low-level
    API: the high-level AttributeManager costs several times more per call, and the reader makes
    up to three such calls per dataset). ``numeric``: read as float64 (HDF5 converts), without
    building the attribute's numpy dtype."""
    if not h5py.h5a.exists(dsid, name):
        return None
    aid = h5py.h5a.open(dsid, name)
    if numeric:
        buf = np.empty(aid.shape, dtype=np.float64)
        try:
            aid.read(buf, mtype=h5py.h5t.NATIVE_DOUBLE)
            return buf
        except (TypeError, ValueError, OSError):  # not a number: read as stored, judged by the caller
            pass
    if aid.dtype.kind == "O":  # variable-length strings: through the high-level reader
        return np.asarray(h5py.Dataset(dsid).attrs[name.decode()])
    buf = np.empty(aid.shape, dtype=aid.dtype)
    aid.read(buf)
    return buf


def _read_field(f, path, fld: Field, n):
    """One dataset: checked shape, dtype and unit; invalidValue and out-of-validRange -> NaN for
    floats (the integers keep their invalidValue, which the canonical step maps). Read with
    h5py's low-level API (one open, up to three attribute reads and one read per dataset)."""
    name = "/" + fld.path
    try:
        dsid = h5py.h5d.open(f.id, fld.path.encode())
    except (KeyError, ValueError, TypeError):
        raise _missing(path, f, name) from None
    shape, dtype = dsid.shape, dsid.dtype
    want = ((n,) if fld.per_sounding else ()) + tuple(fld.shape)
    if fld.per_sounding and shape[1:] != tuple(fld.shape) or not fld.per_sounding and shape not in (want, want[:-1] if want == (1,) else want):
        shown = "(n" + "".join(f", {s}" for s in fld.shape) + ")" if fld.per_sounding else str(want)
        raise BadInputError(path, "bad_shape", f"dataset has shape {shape}, expected {shown}", name)
    if n is not None and fld.per_sounding and shape[0] != n:
        raise BadInputError(path, "bad_shape", f"dataset has {shape[0]} soundings, /{SA}/time has {n}", name)
    kind = np.dtype(fld.dtype).kind
    if (kind == "S") != (dtype.kind in "SOU") or (kind in "fiu" and dtype.kind not in "fiu"):
        raise BadInputError(path, "bad_dtype", f"dataset has dtype {dtype}, expected {fld.dtype}", name)
    if fld.unit not in (None, "none"):
        unit = _attr(dsid, b"unit")
        if unit is not None and _text(unit) != fld.unit:
            raise BadInputError(path, "bad_unit", f"unit is {_text(unit)!r}, expected {fld.unit!r}", name)
    try:
        if dtype.kind == "O":  # variable-length strings
            arr = np.asarray(h5py.Dataset(dsid)[()])
        else:
            arr = np.empty(shape, dtype=dtype)
            dsid.read(h5py.h5s.ALL, h5py.h5s.ALL, arr)
    except (OSError, RuntimeError) as exc:
        raise BadInputError(path, "unreadable", f"cannot read dataset: {exc}", name) from None
    if kind == "S":
        return np.char.strip(arr.astype(f"S{max(np.dtype(fld.dtype).itemsize, 1)}")).astype(str)
    if arr.dtype.kind != "f":
        return arr
    arr = arr.astype(np.float64 if arr.dtype == np.float64 else np.float32, copy=False)
    inv = _attr(dsid, b"invalidValue", numeric=True)
    invalid = float(np.asarray(inv).ravel()[0]) if inv is not None else fld.invalid
    bad = ~np.isfinite(arr)
    if invalid is not None:
        bad |= arr == np.float32(invalid)
        if invalid <= -1e29:  # column fill: anything at or below the fill's magnitude
            bad |= arr <= np.float32(invalid) * 0.999
    vr = _attr(dsid, b"validRange", numeric=True)
    if vr is not None:
        lo, hi = (float(v) for v in np.asarray(vr).ravel()[:2])
        bad |= (arr < lo) | (arr > hi)
    arr[bad] = np.nan
    return arr


def read_raw(path, fields: str = "canonical") -> dict:
    """The datasets of the product's layout, by path (no leading slash), plus ``_info``
    (:class:`FileInfo`). BadInputError (naming file and dataset, with an inventory) for
    anything missing or malformed.

    Parameters
    ----------
    path : str or Path
        A NIES L2 file.
    fields : {"canonical", "all"}
        ``"canonical"`` (default): the datasets :func:`canonical` needs
        (:func:`canonical_fields`); ``"all"``: every dataset of :func:`layout`.
    """
    if fields not in ("canonical", "all"):
        raise ValueError(f"fields must be 'canonical' or 'all', not {fields!r}")
    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError) as exc:
        raise BadInputError(path, "unreadable", f"not an HDF5 file: {exc}") from None
    with f:
        info = file_info(f, path)
        wanted = (canonical_fields if fields == "canonical" else layout)(info.species, info.generation)
        if f"{SA}/time" not in f:
            raise _missing(path, f, f"/{SA}/time")
        n = f[f"{SA}/time"].shape[0] if f[f"{SA}/time"].ndim == 1 else None
        if n is None:
            raise BadInputError(path, "bad_shape", "time must be one-dimensional", f"/{SA}/time")
        raw = {fld.path: _read_field(f, path, fld, n) for fld in wanted}
    raw["_info"] = info
    return raw


def parse_time(strings, path=None) -> np.ndarray:
    """``YYYY-MM-DD hh:mm:ss.sss`` (UTC) -> POSIX seconds (float64); BadInputError for any other form."""
    s = np.asarray(strings).astype(str)
    ok = np.char.str_len(s) >= 19
    iso = np.char.replace(s, " ", "T")
    try:
        if not ok.all():
            raise ValueError(s[~ok][0])
        t = iso.astype("datetime64[ms]")
    except ValueError as exc:
        raise BadInputError(path or "?", "bad_time", f"time string not of the form YYYY-MM-DD hh:mm:ss.sss: {exc}",
                            f"/{SA}/time") from None
    return (t - np.datetime64("1970-01-01T00:00:00", "ms")).astype(np.int64) / 1000.0


#: Land fraction (percent) at or above which S23's pre-screening calls a scene land; below it
#: and above 0 the scene is mixed (S23 Table 3: rejected when 0 % < land fraction < 60 %).
LAND_FRACTION_MIN = 60.0
SURFACE_CODES = {"ocean": 0, "land": 1, "mixed": 2}


def surface_of(land_fraction) -> np.ndarray:
    """0 ocean (land fraction 0), 1 land (>= 60 %), 2 mixed (S23 Table 3); NaN -> 2."""
    lf = np.asarray(land_fraction, dtype=np.float64)
    return np.where(lf == 0.0, 0, np.where(lf >= LAND_FRACTION_MIN, 1, 2)).astype(np.int8)


def band_albedo(albedo, wn, ranges) -> np.ndarray:
    """Mean retrieved albedo within each sub-band's wavenumber range: (n, n_band); NaN where a
    band has no retrieved albedo or all are invalid (ocean)."""
    out = np.full((albedo.shape[0], len(ranges)), np.nan, dtype=np.float64)
    for k, (lo, hi) in enumerate(np.asarray(ranges, dtype=np.float64)):
        sel = (wn >= min(lo, hi)) & (wn <= max(lo, hi))
        if sel.any():
            with np.errstate(invalid="ignore"):
                a = albedo[:, sel].astype(np.float64)
                cnt = np.sum(np.isfinite(a), axis=1)
                out[:, k] = np.where(cnt > 0, np.nansum(a, axis=1) / np.maximum(cnt, 1), np.nan)
    return out


def blended_albedo(albedo_o2a, albedo_sco2) -> np.ndarray:
    """Blended albedo 2.4 A(O2 A) - 1.13 A(strong CO2) (Wunch et al. 2011, ACP 11, 12317,
    Sect. 5.3; the quantity of S23 Table 3's "blended albedo > 1")."""
    return 2.4 * np.asarray(albedo_o2a) - 1.13 * np.asarray(albedo_sco2)


def aot_at(aot, wavelengths, target_um=1.6) -> np.ndarray:
    """AOT at the retrieved wavelength nearest ``target_um``, summed over the last axis (the
    aerosol types, assumption A3 of docs/formats-gosat.md)."""
    k = int(np.argmin(np.abs(np.asarray(wavelengths, dtype=np.float64) - target_um)))
    return np.sum(aot[:, k, :].astype(np.float64), axis=1)


#: Canonical per-sounding fields: name -> (units, long_name). ``{x}`` is xco2 or xch4.
TABLE_FIELDS = {
    "time": ("seconds since 1970-01-01 00:00:00 UTC", "time of the observation"),
    "lat": ("degrees_north", "latitude"),
    "lon": ("degrees_east", "longitude"),
    "scan_id": ("", "NIES scan ID"),
    "cross_track": ("1", "cross-track observation point"),
    "gain": ("", "gain (H or M) of the first polarisation"),
    "gain_mixed": ("1", "1 where the two polarisations have different gains"),
    "observation_mode": ("", "observation mode"),
    "surface": ("1", "0 ocean, 1 land, 2 mixed (S23 Table 3 land fraction)"),
    "land_fraction": ("percent", "land fraction"),
    "sza": ("degree", "solar zenith angle"),
    "vza": ("degree", "satellite zenith angle"),
    "airmass": ("1", "air mass"),
    "height_m": ("m", "surface height"),
    "{x}": ("{u}", "retrieved column-averaged dry-air mole fraction"),
    "{x}_error": ("{u}", "total error: root sum of squares of the four error components"),
    "{x}_external_error": ("{u}", "external error"),
    "{x}_interference_error": ("{u}", "interference error"),
    "{x}_retrieval_noise": ("{u}", "retrieval noise"),
    "{x}_smoothing_error": ("{u}", "smoothing error"),
    "{x}_apriori": ("{u}", "a priori column-averaged mole fraction"),
    "psurf_hpa": ("hPa", "retrieved surface pressure"),
    "psurf_apriori_hpa": ("hPa", "a priori surface pressure"),
    "dps_hpa": ("hPa", "retrieved minus a priori surface pressure"),
    "aot_1p6": ("1", "retrieved aerosol optical thickness at 1.6 um, summed over types"),
    "albedo_o2a": ("1", "retrieved surface albedo, O2 A sub-band mean"),
    "albedo_sco2": ("1", "retrieved surface albedo, strong CO2 sub-band mean"),
    "blended_albedo": ("1", "2.4 albedo_o2a - 1.13 albedo_sco2 (Wunch et al. 2011)"),
    "wind_speed": ("m s-1", "surface wind speed"),
    "cot": ("1", "cloud optical thickness (V03: retrieved; V02: reference cirrus)"),
    "dof": ("1", "degrees of freedom for signal"),
    "chi2": ("1", "chi square"),
    "iterations": ("1", "number of iterations (NaN: invalid)"),
    "snr_o2a": ("1", "signal to noise ratio of the O2 A sub-band"),
    "rms_o2a": ("1", "mean square normalised residual, O2 A sub-band"),
    "rms_wco2": ("1", "mean square normalised residual, weak CO2 sub-band"),
    "rms_ch4": ("1", "mean square normalised residual, CH4 sub-band"),
    "rms_sco2": ("1", "mean square normalised residual, strong CO2 sub-band"),
    "pre_screening": ("1", "NIES totalPreScreeningResult (0 passed, assumption A6)"),
    "post_screening": ("1", "NIES totalPostScreeningResult (0 passed, assumption A6)"),
}
#: Per-layer profiles (surface first): name -> (units, long_name).
PROFILE_FIELDS = {
    "{x}_apriori_profile": ("{u}", "a priori dry-air mole fraction per retrieval layer"),
    "column_ak": ("1", "column averaging kernel per retrieval layer"),
    "pressure_weight": ("1", "dry-air partial column / total (sums to 1)"),
    "layer_pressure_hpa": ("hPa", "mid-layer pressure from the cumulative dry-air column"),
}
#: Layer order in the files (assumption A4): index 0 is the top layer; the canonical profiles
#: are flipped to surface first, as for MOPITT.
FILE_LAYERS_TOP_FIRST = True


def canonical(raw: dict) -> tuple[dict, dict]:
    """Canonical per-sounding table and per-layer profiles from :func:`read_raw`'s arrays.

    Units: XCO2 ppm, XCH4 ppb (files: ppmv), pressures hPa, time POSIX seconds. Profiles are
    surface first; ``pressure_weight`` is each layer's share of the dry-air column, so that
    X = sum_j w_j x_j and the column AK acts as X_a + sum_j w_j a_j (x_j - x_a,j).
    """
    info: FileInfo = raw["_info"]
    g = info.species
    sp = SPECIES[g]
    x, k = sp["variable"], sp["from_ppmv"]
    n = raw[f"{SA}/time"].shape[0]
    t = parse_time(raw[f"{SA}/time"], info.path)
    gain = raw[f"{SA}/sensor/gain"]
    rms = raw[f"{RQ}/residualMeanSquare"]
    ranges = raw[f"{ANC}/wavenumberRangeSubBand"][: len(SUB_BANDS)]
    alb = band_albedo(raw[f"{AUX}/surfaceAlbedo"], raw[f"{ANC}/wnRetAlb"], ranges)
    errs = {e: raw[f"Data/mixingRatio/X{g}{c}"].astype(np.float64) * k for e, c in (
        ("external", "ExternalError"), ("interference", "InterferenceError"), ("retrieval_noise", "RetrievalNoise"),
        ("smoothing", "SmoothingError"))}
    cot = raw[COT_FIELD[info.generation]]
    psurf = raw[f"{AUX}/surfacePressure"].astype(np.float64)
    ps_a = raw[f"{REF}/surfacePressure"].astype(np.float64)
    height = raw[f"{GEO}/height"].astype(np.float64)
    height[raw[f"{GEO}/height"] == int(FILL)] = np.nan
    it = raw[f"{RQ}/iterations"].astype(np.float64)
    it[raw[f"{RQ}/iterations"] < 0] = np.nan
    table = {
        "time": t,
        "lat": raw[f"{GEO}/latitude"].astype(np.float64),
        "lon": raw[f"{GEO}/longitude"].astype(np.float64),
        "scan_id": raw[f"{SA}/scanID"],
        "cross_track": raw[f"{SA}/crossTrackObservationPoint"].astype(np.int8),
        "gain": gain[:, 0],
        "gain_mixed": (gain[:, 0] != gain[:, 1]).astype(np.int8),
        "observation_mode": raw[f"{SA}/sensor/observationMode"],
        "surface": surface_of(raw[f"{GEO}/landFraction"]),
        "land_fraction": raw[f"{GEO}/landFraction"].astype(np.float64),
        "sza": raw[f"{GEO}/solarZenith"].astype(np.float64),
        "vza": raw[f"{GEO}/satelliteZenith"].astype(np.float64),
        "airmass": raw[f"{GEO}/airMass"].astype(np.float64),
        "height_m": height,
        x: raw[f"Data/mixingRatio/X{g}"].astype(np.float64) * k,
        f"{x}_error": np.sqrt(sum(v ** 2 for v in errs.values())),
        **{f"{x}_{e}" + ("" if e == "retrieval_noise" else "_error"): v for e, v in errs.items()},
        f"{x}_apriori": raw[f"{REF}/X{g}"].astype(np.float64) * k,
        "psurf_hpa": psurf,
        "psurf_apriori_hpa": ps_a,
        "dps_hpa": psurf - ps_a,
        "aot_1p6": aot_at(raw[f"{AUX}/aerosolOpticalThickness"], raw[f"{ANC}/wavelengthRetAer"]),
        "albedo_o2a": alb[:, 0],
        "albedo_sco2": alb[:, 3],
        "blended_albedo": blended_albedo(alb[:, 0], alb[:, 3]),
        "wind_speed": raw[f"{REF}/surfaceWindSpeed"].astype(np.float64),
        "cot": cot.astype(np.float64),
        "dof": raw[f"{RQ}/{g}DFS"].astype(np.float64),
        "chi2": raw[f"{RQ}/chi2"].astype(np.float64),
        "iterations": it,
        "snr_o2a": raw[f"{QI}/SNR"][:, 0, 2].astype(np.float64),
        **{f"rms_{b}": rms[:, i].astype(np.float64) for i, b in enumerate(SUB_BANDS)},
        "pre_screening": raw[f"{QI}/totalPreScreeningResult"].astype(np.int8),
        "post_screening": raw[f"{RQ}/totalPostScreeningResult"].astype(np.int8),
    }
    order = slice(None, None, -1) if FILE_LAYERS_TOP_FIRST else slice(None)
    dry = raw[f"{REF}/dryAirPartialColumn"].astype(np.float64)[:, order]
    with np.errstate(invalid="ignore", divide="ignore"):
        w = dry / np.sum(dry, axis=1, keepdims=True)
        above = 1.0 - np.cumsum(w, axis=1) + 0.5 * w  # fraction of the column above each layer's middle
    profiles = {
        f"{x}_apriori_profile": raw[f"{REF}/{g}Profile"].astype(np.float64)[:, order] * k,
        "column_ak": raw[f"{RQ}/columnAveragingKernel"].astype(np.float64)[:, order],
        "pressure_weight": w,
        "layer_pressure_hpa": ps_a[:, None] * above,
    }
    assert all(len(v) == n for v in table.values())
    return table, profiles


def read_gosat(path) -> tuple[dict, dict, FileInfo]:
    """One NIES L2 file -> (canonical table, profiles, :class:`FileInfo`); see :func:`canonical`.

    Parameters
    ----------
    path : str or Path
        A C01S (CO2) or C02S (CH4) daily file, V02.xx or V03.xx.

    Returns
    -------
    table : dict of (n,) arrays
        :data:`TABLE_FIELDS` with ``{x}`` = ``xco2`` (ppm) or ``xch4`` (ppb).
    profiles : dict of (n, 15) arrays, surface first
        :data:`PROFILE_FIELDS`.
    info : FileInfo
        Product code and version from ``/Global/metadata``.

    Raises
    ------
    satcol.core.errors.BadInputError
        A missing or malformed dataset, named with the file and an inventory of what it holds.
    """
    raw = read_raw(path)
    table, profiles = canonical(raw)
    return table, profiles, raw["_info"]


def _names(info: FileInfo, spec: dict) -> dict:
    sp = SPECIES[info.species]
    return {name.format(x=sp["variable"]): (u.format(u=sp["units"]), m) for name, (u, m) in spec.items()}


def input_fill_mask(table: dict, profiles: dict, species_var: str) -> np.ndarray:
    """Soundings missing a value the pipeline needs (time, position, the column and its error,
    the prior and the column AK)."""
    need = ["time", "lat", "lon", species_var, f"{species_var}_error", f"{species_var}_apriori", "psurf_apriori_hpa"]
    bad = np.zeros(len(table["time"]), dtype=bool)
    for name in need:
        bad |= ~np.isfinite(table[name])
    for name in ("column_ak", "pressure_weight", f"{species_var}_apriori_profile"):
        bad |= ~np.all(np.isfinite(profiles[name]), axis=1)
    return bad


def open_gosat(path):
    """Open one NIES GOSAT L2 file as an :class:`xarray.Dataset` with satcol's canonical names
    and units (the arrays of :func:`read_gosat`).

    Parameters
    ----------
    path : str or Path
        A C01S (CO2) or C02S (CH4) daily file, V02.xx or V03.xx.

    Returns
    -------
    xarray.Dataset
        Dimension ``sounding`` (file order) and ``layer`` (15 retrieval layers, surface first);
        ``xco2`` (ppm) or ``xch4`` (ppb) with its errors, the column AK, the a priori profile,
        the pressure weights and the S23 screening quantities, each with ``units`` and
        ``long_name``; ``input_fill`` (1 where a needed value is missing). Attributes
        ``product_code``, ``product_version``, ``species``, ``source_file``.

    Raises
    ------
    satcol.core.errors.BadInputError
        A missing or malformed dataset, naming the file and the dataset.
    """
    import xarray as xr

    table, profiles, info = read_gosat(path)
    var = SPECIES[info.species]["variable"]
    tnames, pnames = _names(info, TABLE_FIELDS), _names(info, PROFILE_FIELDS)
    data = {}
    for name, arr in table.items():
        units, meaning = tnames[name]
        data[name] = ("sounding", arr, {"long_name": meaning} | ({"units": units} if units else {}))
    for name, arr in profiles.items():
        units, meaning = pnames[name]
        data[name] = (("sounding", "layer"), arr, {"long_name": meaning, "units": units})
    data["input_fill"] = ("sounding", input_fill_mask(table, profiles, var).astype(np.int8),
                          {"long_name": "1 where a value the pipeline needs is missing"})
    coords = {name: data.pop(name) for name in ("time", "lat", "lon")}
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({"source_file": str(info.path), "product_code": info.product_code,
                     "product_version": info.product_version, "species": info.species,
                     "date": info.date.isoformat() if info.date else ""})
    return ds


def match_scan_ids(ids_a, ids_b) -> tuple[np.ndarray, np.ndarray]:
    """Indices (ia, ib) of the soundings present in both versions, paired by scan ID, in the
    order of ``ids_a``. A scan ID repeated within one file cannot be paired and raises ValueError."""
    a, b = np.asarray(ids_a).astype(str), np.asarray(ids_b).astype(str)
    for name, v in (("first", a), ("second", b)):
        u, c = np.unique(v, return_counts=True)
        if np.any(c > 1):
            raise ValueError(f"scan ID {u[c > 1][0]!r} occurs {c[c > 1][0]} times in the {name} file")
    order_b = np.argsort(b, kind="stable")
    pos = np.searchsorted(b[order_b], a)
    pos = np.minimum(pos, len(b) - 1) if len(b) else pos
    hit = (b[order_b][pos] == a) if len(b) else np.zeros(len(a), dtype=bool)
    ia = np.nonzero(hit)[0]
    return ia, order_b[pos[hit]]
