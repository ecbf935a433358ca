"""The QC bitmask API of the MOPITT chain (module-level functions over the MOPITT registry).

Flag, don't drop: every ingested sounding stays in every product with its bitmask; a sounding
is *kept* when its mask is 0. The registries are per instrument (:mod:`satcol.core.qcbits`, and each
instrument's ``qc`` attribute, :func:`satcol.instruments.get`); MOPITT's is
:data:`satcol.instruments.mopitt.qc_bits.QC_REGISTRY`. The names below are that registry under
the names the MOPITT stages have always imported (``QC_BITS``, ``mask_of``, ``set_bit``, ...):
code that serves more than one instrument takes the registry from its instrument instead
(docs/instruments.md).
"""

from __future__ import annotations

from satcol.core.qcbits import QC_DTYPE, QCBit, QCRegistry  # noqa: F401 (re-exported)
from satcol.instruments.mopitt.qc_bits import FILTER_FIELDS as _FILTER_FIELDS  # noqa: F401 (old name)
from satcol.instruments.mopitt.qc_bits import PREFILTER_BITS, QC_REGISTRY

#: MOPITT's registered bits, in bit order. Names are CF flag_meanings tokens (no blanks).
QC_BITS: tuple[QCBit, ...] = QC_REGISTRY.bits
_BY_NAME = {b.name: b for b in QC_BITS}

mask_of = QC_REGISTRY.mask_of
set_bit = QC_REGISTRY.set_bit
any_of = QC_REGISTRY.any_of
filter_bit = QC_REGISTRY.filter_bit
counts_per_bit = QC_REGISTRY.counts_per_bit
counts_only_bit = QC_REGISTRY.counts_only_bit
cf_flag_attributes = QC_REGISTRY.cf_flag_attributes

__all__ = ["QC_DTYPE", "QCBit", "QCRegistry", "QC_BITS", "PREFILTER_BITS", "mask_of", "set_bit", "any_of",
           "filter_bit", "counts_per_bit", "counts_only_bit", "cf_flag_attributes"]
