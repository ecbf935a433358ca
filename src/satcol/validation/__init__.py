"""Validation against TCCON: the TCCON reader (:mod:`~satcol.validation.tccon`), colocation
(:mod:`~satcol.validation.colocation`), regridding (:mod:`~satcol.validation.regrid`), the
averaging-kernel comparison (:mod:`~satcol.validation.akcompare`), statistics
(:mod:`~satcol.validation.stats`), the validation fits and scale factors
(:mod:`~satcol.validation.fits`, whose public functions are also available here as
``satcol.validation.validate`` etc.), the error correlation and GOSAT's validation."""

_FITS = ("york_fit", "validate", "drift", "per_site", "leave_one_site_out", "site_jackknife_error",
         "scale_factor_error", "variant_labels", "store_attrs", "seed_study_summary")


def __getattr__(name):
    if name in _FITS:
        from satcol.validation import fits

        return getattr(fits, name)
    raise AttributeError(f"module 'satcol.validation' has no attribute {name!r}")
