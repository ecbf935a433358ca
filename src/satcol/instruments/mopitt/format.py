"""MOPITT L2 (MOP02J/T/N) format constants: the one place they are defined.

Group paths, the file-name pattern, the fill value, the version layouts (which element of a
multi-element dataset holds what), the fixed pressure grid and the pixel count of the HDF-EOS5
product, as read by :mod:`satcol.instruments.mopitt.reader` and written by
:mod:`satcol.synthetic.mopitt_writer`. What each element means, and the evidence from the real
V9 granule, is in docs/formats-mopitt.md. This module imports nothing from satcol, so every
layer (reader, grid, synthetic writer, tests) can import it without a cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

#: HDF-EOS5 swath of the L2 product and its two groups.
SWATH = "HDFEOS/SWATHS/MOP02"
GEO = f"{SWATH}/Geolocation Fields"
DATA = f"{SWATH}/Data Fields"
#: MOP02{J,T,N}-YYYYMMDD-L2V<version>[.beta].he5: released files have no ``.beta``.
FILENAME_RE = re.compile(r"^MOP02([JTN])-(\d{8})-L2V(\d+(?:\.\d+)*)(\.beta)?\.he5$")
#: Fill value of the product's datasets (``_FillValue``; used when a dataset has none).
FILL = -9999.0

#: Fixed MOPITT pressure levels (hPa), the product's ``PressureGrid`` (nPrs = 9).
PRESSURE_GRID = np.array([900.0, 800.0, 700.0, 600.0, 500.0, 400.0, 300.0, 200.0, 100.0])
#: Number of profile slots (``nPrs2``): the floating surface level + 9 fixed levels.
N_LEVELS = 10
#: Fraction of the 100 hPa layer VMR assumed for the unretrieved 50-0 hPa layer
#: (MOPITT V5 User's Guide as quoted in H19 Sect. 2.1).
TOP_LAYER_FACTOR = 0.48
#: Along-track detector pixels (``SwathIndex[:, 0]``, 1-4).
N_PIXELS = 4

#: Trailing sizes of Level1RadiancesandErrors and MODISCloudDiagnostics in the V9 layout.
N_L1 = 12
N_MODIS_V9 = 12
#: Level1RadiancesandErrors elements of the V9 layout (docs/formats-mopitt.md): 5A, 5D, 6A, 6D.
#: V9 holds no 7A radiance.
L1_ELEMENT_V9 = {"5A": 3, "5D": 4, "6A": 9, "6D": 11}
#: MODISCloudDiagnostics element of H19's snow/ice diagnostic (the snow/ice-free fraction, 0-1,
#: 1 = free): V7/V8 element 4 (H19's "cloud diagnostic 5", 1-based), V9 element 6.
MODIS_SNOW_ICE_ELEMENT_V78 = 4
MODIS_SNOW_ICE_ELEMENT_V9 = 6


@dataclass(frozen=True)
class Layout:
    """What differs between MOPITT L2 product versions, as far as satcol reads them.

    The meaning of every element is settled in docs/formats-mopitt.md (one table of elements and
    assumptions, with the real V9 file's values as evidence).
    """

    product: int  #: MOPITT product version (7, 8, 9); file names carry 10 + it (L2V17/18/19)
    n_modis: int  #: trailing size of MODISCloudDiagnostics
    snow_ice_element: int  #: MODISCloudDiagnostics element of H19's snow/ice diagnostic (0-1, 1 = free)
    l1_element: dict  #: Level1RadiancesandErrors element of 5A, 6A, 7A (None: not in this version)
    #: accepted trailing shapes of APrioriSurfaceEmissivity / APrioriSurfaceTemperature
    apriori_shapes: tuple
    #: why a quantity is NaN in this version, by canonical name
    absent: dict


_V9_NO_7A = ("MOPITT V9 L2 files hold no 7A radiance: Level1RadiancesandErrors element 5 (7A in the "
             "V7 layout assumed by docs/formats.md) is all fill, and no documented element holds 7A "
             "(docs/formats-mopitt.md)")
LAYOUTS = {
    # V7 and V8: 10 MODIS diagnostics, H19's "cloud diagnostic 5" (1-based) = element 4;
    # 5A/6A as the L3 screening reads them; 7A = element 5 and the scalar a priori surface
    # values are docs/formats.md assumptions no V7/V8 file here could check (a (n, 2) pair is read too).
    7: Layout(7, 10, MODIS_SNOW_ICE_ELEMENT_V78, {"5A": 3, "6A": 9, "7A": 5}, ((), (2,)), {}),
    8: Layout(8, 10, MODIS_SNOW_ICE_ELEMENT_V78, {"5A": 3, "6A": 9, "7A": 5}, ((), (2,)), {}),
    # V9 (real file MOP02J-20210929-L2V19.9.3.beta.he5): 12 MODIS diagnostics, the snow/ice-free
    # fraction is element 6; a priori surface emissivity and temperature are (value, error) pairs.
    9: Layout(9, N_MODIS_V9, MODIS_SNOW_ICE_ELEMENT_V9,
              {"5A": L1_ELEMENT_V9["5A"], "6A": L1_ELEMENT_V9["6A"], "7A": None}, ((2,),), {"snr_7a": _V9_NO_7A}),
}
