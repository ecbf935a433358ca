"""Generic names inside, species names outside: the one table from satcol's generic quantity names
to the variable names of the exports (issue 20 item 2; docs/instruments.md).

Inside the pipeline, the store, the corrected tables, the colocation candidates and the
super-observation arrays carry the column average of an instrument's species as ``xgas``,
``xgas_error``, ``xgas_prior``, ... with the species and its units as metadata
(:class:`satcol.instruments.base.Species`). The exports name them after the species: ``xco``
for MOPITT, ``xco2`` and ``xch4`` for GOSAT, and the profile variables after the gas
(``prior_co_vmr``). The CF standard name and the units come from the same
:class:`~satcol.instruments.base.Species`.

:data:`EXPORT_NAMES` lists them: ``xgas`` is exported as ``{x}`` (``xco``, ``xco2``, ``xch4``),
``xgas_error`` as ``{x}_error``, the correction terms ``xgas_<term>_correction`` as
``{x}_<term>_correction``, the profiles ``prior_gas_vmr`` as ``prior_{g}_vmr``
(``prior_co_vmr``), with ``{x}`` the species' export name and ``{g}`` its gas.
"""

from __future__ import annotations

#: Generic name -> export name pattern; ``{x}``: the species' export name (``xco``), ``{g}``: the
#: gas (``co``).
EXPORT_NAMES = {
    "xgas": "{x}",
    "xgas_original": "{x}_original",
    "xgas_prior": "{x}_prior",
    "xgas_error": "{x}_error",
    "xgas_error_total": "{x}_error_total",
    "xgas_error_smoothing": "{x}_error_smoothing",
    "xgas_error_retrieval": "{x}_error_retrieval",
    "xgas_error_representation": "{x}_error_representation",
    "xgas_error_if_independent": "{x}_error_if_independent",
    "xgas_feature_correction": "{x}_feature_correction",
    "xgas_pixel_correction": "{x}_pixel_correction",
    "xgas_column_averaging_kernel": "{x}_column_averaging_kernel",
    "prior_gas_vmr": "prior_{g}_vmr",
    "prior_gas_log10_vmr": "prior_{g}_log10_vmr",
    "retrieved_gas_vmr": "retrieved_{g}_vmr",
    "retrieved_gas_log10_vmr": "retrieved_{g}_log10_vmr",
    "retrieved_gas_vmr_corrected": "retrieved_{g}_vmr_corrected",
    "retrieved_gas_log10_vmr_corrected": "retrieved_{g}_log10_vmr_corrected",
}


def export_names(species) -> dict[str, str]:
    """The export's variable name of every generic name, for one species.

    Parameters
    ----------
    species : satcol.instruments.base.Species
        The gas (``name``, e.g. ``co``) and its export name (``export_name``, e.g. ``xco``).

    Returns
    -------
    dict of str to str
        Generic name (:data:`EXPORT_NAMES`) -> variable name in the species' exports.

    Examples
    --------
    >>> from satcol import instruments
    >>> export_names(instruments.get("mopitt").primary_species)["xgas_error_total"]
    'xco_error_total'
    """
    return {k: v.format(x=species.export_name, g=species.name) for k, v in EXPORT_NAMES.items()}
