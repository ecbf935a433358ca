"""MOPITT (Terra) XCO, MOP02J/T/N V7-V9, corrected after Hedelius et al. 2019 (H19).

:mod:`.format` holds the product's format constants and the vertical grid, :mod:`.qc_bits` the
instrument's QC-bit registry, :mod:`.instrument` the :class:`~satcol.instruments.base.Instrument`
declaration that the registry (:func:`satcol.instruments.get`) returns for ``"mopitt"``. This
package's ``__init__`` imports nothing, so that the format constants load without the reader.
"""
