"""satcol: satellite column retrievals -> filtered, bias-corrected, TCCON-validated observations.

The first instrument is MOPITT XCO (V7J-V9J), following Hedelius et al. (2019), AMT 12, 5547
("H19" in docstrings). See docs in the repository README for the workflow.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

#: Public module names kept after the layout by layer (docs/design.md, "Layers"): the old name is
#: the same module object as the new one (``satcol.stats is satcol.validation.stats``), imported
#: on first use.
MOVED_PUBLIC_MODULES = {
    "satcol.errors": "satcol.core.errors",
    "satcol.columns": "satcol.validation.regrid",
    "satcol.comparison": "satcol.validation.akcompare",
    "satcol.stats": "satcol.validation.stats",
    "satcol.obsop": "satcol.export.obsop",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old public name (``import satcol.stats``, ``from satcol import stats``) as the
    module at its new place, keeping that module's own ``__spec__``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED_PUBLIC_MODULES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module(MOVED_PUBLIC_MODULES[spec.name])
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self._own_spec


if not any(isinstance(f, _MovedModuleFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedModuleFinder())


def __getattr__(name):
    if f"satcol.{name}" in MOVED_PUBLIC_MODULES:
        return importlib.import_module(f"satcol.{name}")
    raise AttributeError(f"module 'satcol' has no attribute {name!r}")


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
