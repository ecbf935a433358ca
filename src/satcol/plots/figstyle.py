"""One style for every satcol figure: colour-blind-safe colours, quantity-and-unit axis labels,
and output as PNG (raster, for the report) and PDF (vector, for a paper) side by side.

Colours: the eight-colour palette of Okabe & Ito (2008, "Color Universal Design", J*FLY),
distinguishable under the common colour-vision deficiencies; sequential maps use ``cividis``
(Nuñez et al. 2018, PLoS ONE 13, e0199239, designed for deuteranopia), and signed differences
the diverging ColorBrewer ``RdBu`` (Brewer's "colorblind safe" set).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

from satcol.instruments.mopitt import labels as _mopitt_labels

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: Okabe-Ito palette (sRGB hex).
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
#: MOPITT pixels 1-4.
PIXEL_COLORS = {1: OKABE_ITO["blue"], 2: OKABE_ITO["orange"], 3: OKABE_ITO["bluish_green"], 4: OKABE_ITO["reddish_purple"]}
#: Surface codes of the sounding table (0 water, 1 land).
SURFACE_COLORS = {0: OKABE_ITO["sky_blue"], 1: OKABE_ITO["vermillion"]}
#: Lines that mark something (a fit, an applied cutoff, an instrument event).
MARK_COLOR = OKABE_ITO["vermillion"]
FIT_COLOR = OKABE_ITO["black"]
REFERENCE_COLOR = "0.5"
SEQUENTIAL_CMAP = "cividis"
DIVERGING_CMAP = "RdBu_r"

#: Raster resolution of the PNG (dots per inch); the PDF is vector.
PNG_DPI = 150

#: Units of the sounding-table fields used as figure axes: the shared fields here, each
#: instrument's own from its package (MOPITT: :mod:`satcol.instruments.mopitt.labels`); "1" is
#: dimensionless.
FIELD_UNITS = {
    "dof": "1", "sza": "deg", "vza": "deg", "iterations": "count", "airmass": "1", "chi2": "1",
    "psurf": "hPa", "lat": "deg N", "lon": "deg E",
    **_mopitt_labels.FIELD_UNITS,
}
#: Readable names of those fields.
FIELD_NAMES = {
    "dof": "degrees of freedom", "sza": "solar zenith angle", "vza": "satellite zenith angle",
    "iterations": "retrieval iterations", "airmass": "airmass", "chi2": "signal chi$^2$",
    "psurf": "surface pressure", "lat": "latitude", "lon": "longitude",
    **_mopitt_labels.FIELD_NAMES,
}

RC = {
    "font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "legend.fontsize": 7.5,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False, "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=[OKABE_ITO[k] for k in (
        "blue", "orange", "bluish_green", "reddish_purple", "sky_blue", "vermillion", "yellow", "black")]),
    "image.cmap": SEQUENTIAL_CMAP, "pdf.fonttype": 42, "savefig.bbox": "tight", "figure.dpi": 100,
}


def label(quantity: str, unit: str) -> str:
    """Axis label "quantity (unit)"; a dimensionless quantity gets "(unitless)"."""
    return f"{quantity} ({'unitless' if unit == '1' else unit})"


def field_label(field: str) -> str:
    """Axis label of a sounding-table field, with its unit (``FIELD_UNITS``); an unknown field
    is labelled by its name with "(units as in the sounding table)"."""
    if field in FIELD_UNITS:
        return label(FIELD_NAMES.get(field, field), FIELD_UNITS[field])
    return f"{field} (units as in the sounding table)"


def pdf_path(png_path) -> Path:
    """The vector sibling of a figure: same name, ``.pdf``."""
    return Path(png_path).with_suffix(".pdf")


def save(fig, png_path):
    """Write ``fig`` as PNG at ``png_path`` and as PDF beside it, each atomically
    (satcol.core.ioutil): a killed job leaves no truncated figure. Closes the figure."""
    from satcol.core.ioutil import atomic_path

    png_path = Path(png_path)
    if png_path.suffix != ".png":
        raise ValueError(f"{png_path}: a figure path must end in .png (the PDF is written beside it)")
    with atomic_path(png_path) as tmp:
        fig.savefig(tmp, dpi=PNG_DPI, format="png")
    with atomic_path(pdf_path(png_path)) as tmp:
        fig.savefig(tmp, format="pdf", metadata={"CreationDate": None})
    plt.close(fig)


def apply():
    """Set the satcol style for the figures that follow (matplotlib rcParams), and keep the PDF
    backend's font subsetting (fontTools, INFO per table) out of the job logs."""
    import logging

    matplotlib.rcParams.update(RC)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
