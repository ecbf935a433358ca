"""The QC bitmask: one bit per reason a sounding is flagged, registered here and nowhere else.

Flag, don't drop: every ingested sounding stays in every product with its bitmask; a sounding
is *kept* when its mask is 0. Stages add their bits to ``QC_BITS``; the CF attributes
``flag_masks``/``flag_meanings`` are generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QC_DTYPE = np.uint32


@dataclass(frozen=True)
class QCBit:
    bit: int
    name: str
    meaning: str
    stage: str

    @property
    def mask(self) -> int:
        return 1 << self.bit


#: Registered bits, in bit order. Names are CF flag_meanings tokens (no blanks).
QC_BITS: tuple[QCBit, ...] = (
    QCBit(0, "input_fill", "a field the pipeline needs is fill/NaN for this sounding", "ingest"),
)

_BY_NAME = {b.name: b for b in QC_BITS}
assert len(_BY_NAME) == len(QC_BITS), "duplicate QC bit name"
assert len({b.bit for b in QC_BITS}) == len(QC_BITS), "duplicate QC bit number"


def mask_of(name: str) -> int:
    """The integer mask of a registered bit; KeyError names the unknown bit."""
    try:
        return _BY_NAME[name].mask
    except KeyError:
        raise KeyError(f"unknown QC bit {name!r}; registered: {sorted(_BY_NAME)}") from None


def set_bit(qc: np.ndarray, name: str, where: np.ndarray) -> np.ndarray:
    """Set bit ``name`` in ``qc`` (in place) where ``where`` is true; returns qc."""
    qc[np.asarray(where, dtype=bool)] |= QC_DTYPE(mask_of(name))
    return qc


def counts_per_bit(qc: np.ndarray) -> dict[str, int]:
    """Number of soundings with each registered bit set (a sounding may count under several)."""
    qc = np.asarray(qc, dtype=QC_DTYPE)
    return {b.name: int(np.count_nonzero(qc & QC_DTYPE(b.mask))) for b in QC_BITS}


def cf_flag_attributes() -> dict:
    """CF-1.8 attributes for the QC variable (flag_masks / flag_meanings)."""
    return {
        "long_name": "quality control bitmask (0 = kept)",
        "flag_masks": np.array([b.mask for b in QC_BITS], dtype=QC_DTYPE),
        "flag_meanings": " ".join(b.name for b in QC_BITS),
        "comment": "; ".join(f"bit {b.bit} {b.name}: {b.meaning} (set by {b.stage})" for b in QC_BITS),
    }
