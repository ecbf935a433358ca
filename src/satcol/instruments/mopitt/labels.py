"""Units and readable names of MOPITT's own sounding-table fields as figure axes (the
filter candidates of ``config/filters/candidates.yaml``; the fields: docs/formats-mopitt.md).
:mod:`satcol.plots.figstyle` adds them to the shared fields'."""

#: Units ("1" is dimensionless).
FIELD_UNITS = {
    "emis_diff": "1", "emis_err": "1", "mean_ak": "1", "modis_snow_ice": "1", "tsurf_diff": "K",
    "max_adjacent_diff": "ppb", "snr_5a": "1", "snr_6a": "1", "snr_7a": "1",
    "anomaly_sum": "flags", "trace_total_cov": "(log10 VMR)$^2$",
    "trace_meas_cov": "(log10 VMR)$^2$", "trace_smooth_cov": "(log10 VMR)$^2$", "dem": "m",
    "xco_err": "ppb", "xgas": "ppb",
}
#: Readable names.
FIELD_NAMES = {
    "emis_diff": "retrieved - prior emissivity", "emis_err": "emissivity error",
    "mean_ak": "mean averaging-kernel row sum", "modis_snow_ice": "MODIS snow/ice diagnostic",
    "tsurf_diff": "retrieved - prior surface temperature",
    "max_adjacent_diff": "max adjacent-level difference", "snr_5a": "SNR channel 5A",
    "snr_6a": "SNR channel 6A", "snr_7a": "SNR channel 7A",
    "anomaly_sum": "retrieval anomaly flags", "trace_total_cov": "trace of total error covariance",
    "trace_meas_cov": "trace of measurement error covariance",
    "trace_smooth_cov": "trace of smoothing error covariance", "dem": "surface altitude",
    "xco_err": "XCO retrieval error", "xgas": "XCO",
}
