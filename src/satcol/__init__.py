"""satcol: satellite column retrievals -> filtered, bias-corrected, TCCON-validated observations.

The first instrument is MOPITT XCO (V7J-V9J), following Hedelius et al. (2019), AMT 12, 5547
("H19" in docstrings). See docs in the repository README for the workflow.
"""

__version__ = "0.1.0"


def open_mopitt(path):
    """One MOPITT L2 file as an xarray Dataset with satcol's canonical names and units; see
    :func:`satcol.instruments.mopitt.reader.open_mopitt`."""
    from satcol.instruments.mopitt.reader import open_mopitt as _open

    return _open(path)


def open_tccon(path):
    """A TCCON file (GGG2014, or GGG2020 public or private) as an xarray Dataset with satcol's
    canonical names and units (:func:`satcol.validation.tccon.open_dataset`)."""
    from satcol.validation.tccon import open_dataset

    return open_dataset(path)


def open_gosat(path):
    """One NIES GOSAT SWIR L2 file (CO2 C01S or CH4 C02S, V02/V03) as an xarray Dataset with
    satcol's canonical names and units (:func:`satcol.instruments.gosat.reader.open_gosat`)."""
    from satcol.instruments.gosat.reader import open_gosat as _open

    return _open(path)
