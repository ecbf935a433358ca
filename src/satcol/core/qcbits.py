"""QC-bit registries: one per instrument, over a shared core of generic bits.

Flag, don't drop: every ingested sounding keeps a bitmask; a sounding is *kept* when its mask
is 0. Each instrument declares its own :class:`QCRegistry` (its screening criteria differ and a
single shared table would overflow the 31 bits a CF int32 flag variable holds); the bits that
every instrument's stages set (:data:`CORE_BITS`) have the same number in every registry. The
CF attributes ``flag_masks``/``flag_meanings`` of a product come from its instrument's registry
(:meth:`QCRegistry.cf_flag_attributes`), so a file says what its own bits mean
(docs/instruments.md, "QC bits").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

QC_DTYPE = np.uint32
#: Bits a CF-1.8 export can hold: the bitmask is written as int32 (CF has no unsigned type), so
#: bit 31 (the sign bit) is not used.
MAX_BITS = 31
_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class QCBit:
    """One reason a sounding is flagged.

    Attributes
    ----------
    bit : int
        Bit number, 0-30.
    name : str
        CF ``flag_meanings`` token (letters, digits, underscores).
    meaning : str
        What the bit says, with its criterion and reference.
    stage : str
        The stage that sets it (``ingest``, ``prefilter``, ``filters``, ...).
    """

    bit: int
    name: str
    meaning: str
    stage: str

    @property
    def mask(self) -> int:
        return 1 << self.bit


#: Generic bits, the same number in every instrument's registry: the stages that set them are
#: instrument-neutral (ingest flags a sounding missing a value the pipeline needs).
CORE_BITS: tuple[QCBit, ...] = (
    QCBit(0, "input_fill", "a field the pipeline needs is fill/NaN for this sounding", "ingest"),
)


class QCRegistry:
    """The QC bits of one instrument: :data:`CORE_BITS` plus the instrument's own.

    Parameters
    ----------
    instrument : str
        Name of the instrument the registry belongs to (in error messages and attributes).
    bits : sequence of QCBit
        The instrument's own bits. Their numbers must not collide with each other or with
        :data:`CORE_BITS`, and must be below :data:`MAX_BITS`; names must be unique CF tokens.
    prefilter : sequence of str
        Names of the bits the instrument's prefilter sets (with ``input_fill`` they define what
        :meth:`passes_prefilter` lets through).

    Raises
    ------
    ValueError
        For a duplicate bit number or name, a bit outside 0-30 or a name that is not a CF token.
    """

    def __init__(self, instrument: str, bits, prefilter=()):
        self.instrument = instrument
        self.bits: tuple[QCBit, ...] = tuple(sorted((*CORE_BITS, *bits), key=lambda b: b.bit))
        numbers = [b.bit for b in self.bits]
        names = [b.name for b in self.bits]
        for b in self.bits:
            if not 0 <= b.bit < MAX_BITS:
                raise ValueError(f"{instrument} QC bit {b.name!r}: number {b.bit} outside 0-{MAX_BITS - 1}")
            if not _TOKEN.match(b.name):
                raise ValueError(f"{instrument} QC bit {b.name!r}: not a CF flag_meanings token")
        dup_n = sorted({n for n in numbers if numbers.count(n) > 1})
        dup_s = sorted({s for s in names if names.count(s) > 1})
        if dup_n or dup_s:
            raise ValueError(f"{instrument} QC bits: duplicate number(s) {dup_n} or name(s) {dup_s}")
        self._by_name = {b.name: b for b in self.bits}
        self.prefilter_bits: tuple[str, ...] = tuple(prefilter)
        for name in self.prefilter_bits:
            self.mask_of(name)

    def __iter__(self):
        return iter(self.bits)

    def __len__(self):
        return len(self.bits)

    def __contains__(self, name) -> bool:
        return name in self._by_name

    def mask_of(self, name: str) -> int:
        """The integer mask of a registered bit; KeyError names the unknown bit."""
        try:
            return self._by_name[name].mask
        except KeyError:
            raise KeyError(f"unknown {self.instrument} QC bit {name!r}; registered: {sorted(self._by_name)}") from None

    def set_bit(self, qc: np.ndarray, name: str, where: np.ndarray) -> np.ndarray:
        """Set bit ``name`` in ``qc`` (in place) where ``where`` is true; returns qc."""
        qc[np.asarray(where, dtype=bool)] |= QC_DTYPE(self.mask_of(name))
        return qc

    def any_of(self, qc: np.ndarray, names) -> np.ndarray:
        """Boolean: any of the named bits set."""
        m = 0
        for n in names:
            m |= self.mask_of(n)
        return (np.asarray(qc, dtype=QC_DTYPE) & QC_DTYPE(m)) != 0

    def passes_prefilter(self, qc: np.ndarray) -> np.ndarray:
        """Soundings with none of the ingest (``input_fill``) or prefilter bits set."""
        return ~self.any_of(qc, ("input_fill",) + self.prefilter_bits)

    def filter_bit(self, field: str) -> str:
        """Name of the QC bit that a filter on ``field`` sets (``filter_<field>``)."""
        name = f"filter_{field}"
        if name not in self._by_name:
            raise KeyError(f"no {self.instrument} QC bit registered for filters on field {field!r}")
        return name

    def counts_per_bit(self, qc: np.ndarray) -> dict[str, int]:
        """Number of soundings with each registered bit set (a sounding may count under several)."""
        qc = np.asarray(qc, dtype=QC_DTYPE)
        return {b.name: int(np.count_nonzero(qc & QC_DTYPE(b.mask))) for b in self.bits}

    def counts_only_bit(self, qc: np.ndarray) -> dict[str, int]:
        """Number of soundings flagged by each bit and by no other (what that bit alone removes)."""
        qc = np.asarray(qc, dtype=QC_DTYPE)
        return {b.name: int(np.count_nonzero(qc == QC_DTYPE(b.mask))) for b in self.bits}

    def unregistered(self, qc: np.ndarray) -> int:
        """The OR of every set bit that this registry does not declare (0 when all are known)."""
        known = 0
        for b in self.bits:
            known |= b.mask
        seen = int(np.bitwise_or.reduce(np.asarray(qc, dtype=QC_DTYPE), initial=QC_DTYPE(0)))
        return seen & ~known

    def cf_flag_attributes(self) -> dict:
        """CF-1.8 attributes of the QC variable (``flag_masks``, ``flag_meanings``, one
        ``comment`` entry per bit)."""
        return {
            "long_name": "quality control bitmask (0 = kept)",
            "flag_masks": np.array([b.mask for b in self.bits], dtype=QC_DTYPE),
            "flag_meanings": " ".join(b.name for b in self.bits),
            "comment": "; ".join(f"bit {b.bit} {b.name}: {b.meaning} (set by {b.stage})" for b in self.bits),
        }
