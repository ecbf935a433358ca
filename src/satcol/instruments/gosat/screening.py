"""GOSAT screening as data: the QC bit registry of GOSAT and the S23 Table 3 criteria.

The criteria (Someya et al. 2023, AMT 16, 1477, "S23", Table 3) live in a YAML file
(``config/instruments/gosat/screening_s23.yaml``); each is one bit of the GOSAT registry, after
three fixed bits set from the reader's output. Flag, don't drop: :func:`screen` returns a
bitmask for every sounding (0 = kept) and never removes one, so n_in = n_kept + n_flagged.
The registry's CF ``flag_masks``/``flag_meanings`` come from :func:`cf_flag_attributes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from satcol.core.errors import ConfigError
from satcol.core.qcbits import QC_DTYPE, QCBit

#: Bits set from the reader's output, before the criteria of the YAML.
FIXED_BITS = (
    QCBit(0, "input_fill", "a value the pipeline needs (time, position, column, error, prior, AK) is missing", "ingest"),
    QCBit(1, "mixed_surface", "land fraction between 0 and 60 percent (S23 Table 3 pre-screening)", "ingest"),
    QCBit(2, "nies_screening", "the file's totalPreScreeningResult or totalPostScreeningResult is not 0", "ingest"),
)
#: Bits set after the screening, by the bias correction (S23 Sect. 4.5): the sounding's surface
#: had fewer ±2° match-ups than ``instruments.gosat.validation.mlr_min_matchups``, so no
#: regression was fitted for it and its column is left uncorrected.
CORRECTION_BITS = (
    QCBit(16, "mlr_not_fitted", "surface not bias-corrected: fewer TCCON match-ups than mlr_min_matchups for "
          "the MLR (S23 Sect. 4.5)", "correction"),
)
MLR_NOT_FITTED = CORRECTION_BITS[0].mask
#: Screening quantities computed from the canonical table rather than read.
DERIVED = {"abs_dps_hpa": lambda t: np.abs(np.asarray(t["dps_hpa"], dtype=np.float64))}
SURFACES = {"ocean": 0, "land": 1}
_THRESHOLDS = ("above", "below", "at_least")


@dataclass(frozen=True)
class Criterion:
    bit: int
    name: str
    quantity: str
    thresholds: dict  #: generation -> {above/below/at_least: value}, "*" default; None: not applied
    surfaces: tuple = ("land", "ocean")
    stage: str = "post"
    table: str = ""

    @property
    def bit_name(self) -> str:
        return f"screen_{self.name}"

    def for_generation(self, generation: str):
        """The thresholds applied to a product generation ('02', '03'), or None."""
        return self.thresholds.get(generation, self.thresholds["*"])


@dataclass(frozen=True)
class Screening:
    source: str
    criteria: tuple
    path: str = ""
    registry: tuple = field(default=())

    def mask_of(self, name: str) -> int:
        for b in self.registry:
            if b.name == name:
                return b.mask
        raise KeyError(f"unknown GOSAT QC bit {name!r}; registered: {[b.name for b in self.registry]}")


def _thresholds(path, where, spec):
    got = {k: float(spec[k]) for k in _THRESHOLDS if k in spec}
    if not got:
        raise ConfigError(f"{path}: {where}: needs at least one of {', '.join(_THRESHOLDS)}")
    return got


def load_screening(path) -> Screening:
    """Read a screening YAML (see the file's header for its keys); ConfigError naming the file
    and the criterion for anything malformed (duplicate bits or names, unknown keys)."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the screening table: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("criteria"), list):
        raise ConfigError(f"{path}: expected a mapping with a list 'criteria'")
    allowed = {"bit", "name", "quantity", "stage", "table", "surfaces", "versions", *_THRESHOLDS}
    out = []
    for i, c in enumerate(doc["criteria"]):
        where = f"criteria[{i}]" + (f" ({c.get('name')})" if isinstance(c, dict) else "")
        if not isinstance(c, dict) or not {"bit", "name", "quantity"} <= set(c):
            raise ConfigError(f"{path}: {where}: needs bit, name and quantity")
        extra = set(c) - allowed
        if extra:
            raise ConfigError(f"{path}: {where}: unknown keys {sorted(extra)}")
        th = {"*": _thresholds(path, where, c)}
        for gen, spec in (c.get("versions") or {}).items():
            th[str(gen)] = None if spec is None else _thresholds(path, f"{where} versions.{gen}", spec)
        surfaces = tuple(c.get("surfaces", ("land", "ocean")))
        if not set(surfaces) <= set(SURFACES):
            raise ConfigError(f"{path}: {where}: surfaces must be among {sorted(SURFACES)}")
        out.append(Criterion(int(c["bit"]), str(c["name"]), str(c["quantity"]), th, surfaces,
                             str(c.get("stage", "post")), str(c.get("table", ""))))
    bits = [b.bit for b in FIXED_BITS + CORRECTION_BITS] + [c.bit for c in out]
    names = [b.name for b in FIXED_BITS + CORRECTION_BITS] + [c.bit_name for c in out]
    if len(set(bits)) != len(bits) or len(set(names)) != len(names):
        raise ConfigError(f"{path}: duplicate QC bit numbers or names: {bits} {names}")
    if max(bits) >= 8 * np.dtype(QC_DTYPE).itemsize:
        raise ConfigError(f"{path}: bit {max(bits)} does not fit the {np.dtype(QC_DTYPE).name} QC mask")
    registry = FIXED_BITS + CORRECTION_BITS + tuple(
        QCBit(c.bit, c.bit_name, f"{c.table or c.quantity} ({doc.get('source', path.name)})", f"screening ({c.stage})")
        for c in out)
    return Screening(str(doc.get("source", "")), tuple(out), str(path), tuple(sorted(registry, key=lambda b: b.bit)))


def _quantity(table, name):
    if name in DERIVED:
        return DERIVED[name](table)
    if name not in table:
        raise KeyError(f"screening quantity {name!r} is not in the table (have {sorted(table)})")
    return np.asarray(table[name], dtype=np.float64)


def criterion_mask(table: dict, c: Criterion, generation: str) -> np.ndarray:
    """Boolean: soundings that meet criterion ``c`` (on its surfaces; NaN there counts as met)."""
    th = c.for_generation(generation)
    n = len(table["surface"])
    if th is None:
        return np.zeros(n, dtype=bool)
    q = _quantity(table, c.quantity)
    hit = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        if "above" in th:
            hit |= q > th["above"]
        if "below" in th:
            hit |= q < th["below"]
        if "at_least" in th:
            hit |= q >= th["at_least"]
    hit |= np.isnan(q)
    applies = np.isin(np.asarray(table["surface"]), [SURFACES[s] for s in c.surfaces])
    return hit & applies


def screen(table: dict, screening: Screening, generation: str, input_fill=None) -> np.ndarray:
    """The GOSAT QC bitmask of every sounding (0 = kept), flag-don't-drop.

    Parameters
    ----------
    table : dict of (n,) arrays
        The canonical table of :func:`satcol.instruments.gosat.reader.read_gosat` (``surface``, ``pre_screening``,
        ``post_screening`` and the criteria's quantities, in their canonical units).
    screening : Screening
        From :func:`load_screening`.
    generation : str
        Product generation ('02' or '03'): selects the thresholds of S23 Table 3's column.
    input_fill : (n,) bool, optional
        Soundings missing a needed value (:func:`satcol.instruments.gosat.reader.input_fill_mask`).

    Returns
    -------
    (n,) uint32
        Bits of :attr:`Screening.registry`.
    """
    n = len(table["surface"])
    qc = np.zeros(n, dtype=QC_DTYPE)
    if input_fill is not None:
        qc[np.asarray(input_fill, dtype=bool)] |= QC_DTYPE(screening.mask_of("input_fill"))
    qc[np.asarray(table["surface"]) == 2] |= QC_DTYPE(screening.mask_of("mixed_surface"))
    nies = (np.asarray(table["pre_screening"]) != 0) | (np.asarray(table["post_screening"]) != 0)
    qc[nies] |= QC_DTYPE(screening.mask_of("nies_screening"))
    for c in screening.criteria:
        qc[criterion_mask(table, c, generation)] |= QC_DTYPE(1 << c.bit)
    return qc


def counts(qc, screening: Screening) -> dict:
    """``n_in``, ``n_kept``, ``n_flagged`` and per bit the soundings with it set (``bit``) and
    with it alone (``only``); n_in = n_kept + n_flagged."""
    qc = np.asarray(qc, dtype=QC_DTYPE)
    return {"n_in": int(qc.size), "n_kept": int(np.count_nonzero(qc == 0)), "n_flagged": int(np.count_nonzero(qc)),
            "bit": {b.name: int(np.count_nonzero(qc & QC_DTYPE(b.mask))) for b in screening.registry},
            "only": {b.name: int(np.count_nonzero(qc == QC_DTYPE(b.mask))) for b in screening.registry}}


def cf_flag_attributes(screening: Screening) -> dict:
    """CF-1.8 attributes of the GOSAT QC variable (flag_masks / flag_meanings)."""
    reg = screening.registry
    return {
        "long_name": "GOSAT quality control bitmask (0 = kept)",
        "flag_masks": np.array([b.mask for b in reg], dtype=QC_DTYPE),
        "flag_meanings": " ".join(b.name for b in reg),
        "comment": "; ".join(f"bit {b.bit} {b.name}: {b.meaning} (set by {b.stage})" for b in reg),
    }
