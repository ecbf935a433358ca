"""Canonical surface codes of the ``surface`` column, the same for every instrument: each reader
maps its product's surface flag onto them (MOPITT's SurfaceIndex is already this code; GOSAT's
land fraction is mapped in its reader)."""

SURFACE_WATER, SURFACE_LAND, SURFACE_MIXED = 0, 1, 2
#: Names of the codes, as the products and figures write them.
SURFACE_NAMES = {SURFACE_WATER: "water", SURFACE_LAND: "land", SURFACE_MIXED: "mixed"}
#: The two surfaces the fits, corrections and validation report separately (mixed-surface
#: soundings are flagged by the prefilter).
WATER_LAND = {SURFACE_WATER: SURFACE_NAMES[SURFACE_WATER], SURFACE_LAND: SURFACE_NAMES[SURFACE_LAND]}
