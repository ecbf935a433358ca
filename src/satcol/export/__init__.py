"""Export: the CF netCDF products (:mod:`~satcol.export.products`, whose readers are also
available here as ``satcol.export.kept_soundings`` etc.), super-observations
(:mod:`~satcol.export.superobs`), the observation operator (:mod:`~satcol.export.obsop`) and the
GOSAT product (:mod:`~satcol.export.gosat`)."""

_PRODUCTS = ("kept_soundings", "read_kept", "profile_soundings", "has_gathered_profiles",
             "read_rows", "load_models", "write_netcdf", "superobs_from_soundings")


def __getattr__(name):
    if name in _PRODUCTS:
        from satcol.export import products

        return getattr(products, name)
    raise AttributeError(f"module 'satcol.export' has no attribute {name!r}")
