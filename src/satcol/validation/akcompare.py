"""The averaging-kernel comparison of a satellite column with TCCON: methods 0, II and III
(H19 Sect. 4.4, App. B-C; docs/methods.md sect. 5), for the retrieval's state space.

The regridding these methods use (pressure weights at the TCCON surface pressure, the TCCON
integration grid, profiles moved between the two grids) is :mod:`satcol.validation.regrid`;
this module holds the kernel algebra: column AKs, the change of prior and the three methods.

The state space is the instrument's (``instrument.grid.state_space``,
:class:`satcol.instruments.base.VerticalGrid`):

- ``log10_vmr`` (MOPITT): the kernel acts on log10 VMR, A = d log10 x_hat / d log10 x; the
  change of prior and the smoothing are applied to log10 profiles (H19 App. B).
- ``vmr`` (GOSAT and most other instruments): the kernel acts on VMR, A = d x_hat / d x; the
  change of prior is x_hat' = x_hat + (A - I)(x_a - x_c) and the truth seen through the kernel
  x' = x_a + A (x_t - x_a), as a column X = X_a + sum_j h_j a_j (x_t,j - x_a,j) with the
  unitless column AK h_j a_j = sum_i h_i A_ij (Rodgers and Connor 2003, doi:10.1029/2002JD002299,
  Eqs. 10 and 25).

All functions are vectorised over colocated soundings (first axis n). Satellite inputs on the
MOPITT grid (:func:`method_0`, :func:`method_ii`, :func:`method_iii`): retrieved and prior
profiles ``x_hat``, ``x_a`` (n, 10) in ppb (NaN below the surface), averaging kernel ``A``
(n, 10, 10), surface pressure ``psurf`` (n) in hPa. TCCON inputs (the daily average within the
time window that each sounding is compared with): surface pressure ``p_t`` (n) in hPa, prior on
its levels ``p_prior``, ``x_prior`` (n, L, surface first), column AK ``ak`` on ``p_ak`` (n, M,
surface first), and the column to compare (public or unscaled) ``xco_t`` (n). Where the TCCON
product gives its own integration operator on the prior levels (GGG2020 ``integration_operator``,
stored for dry mole fractions as h (1 - f_h2o), :func:`satcol.pipeline.ingest.tccon_store_part`),
``h_prior`` (n, L) passes it, and the TCCON-side columns use it instead of satcol's pressure
weights on the surface-first grid (:func:`satcol.validation.regrid.tccon_levels`).
:func:`vmr_methods` is the same comparison for a VMR-state instrument on its own levels.

Method 0: satellite column at the TCCON surface pressure vs TCCON, no AKs.
Method II (H19's headline): the satellite moved to the TCCON prior, against the TCCON retrieval
seen through the satellite AK; compared on the satellite's layers at the TCCON surface pressure.
Method III (reconstruction [V]): the opposite: TCCON moved to the satellite prior, against the
satellite profile seen through the TCCON AK; compared on TCCON levels.
Each returns ``(y, x)``: the satellite-side and TCCON-side columns (ppb), as plotted by H19 Fig. 5.
"""

from __future__ import annotations

import numpy as np

from satcol.instruments.mopitt import levels
from satcol.validation import regrid as columns

# The regridding functions lived here before the split (issue 20 item 4); their old names still
# import from this module.
from satcol.validation.regrid import (  # noqa: F401
    mopitt_layer_edges,
    mopitt_on_tccon_levels,
    tccon_column_weights,
    tccon_levels,
    tccon_prior_column,
    tccon_prior_on_mopitt_layers,
)

LN10 = np.log(10.0)
#: The state spaces an instrument's kernel can act on (``VerticalGrid.state_space``).
STATE_SPACES = ("log10_vmr", "vmr")


# --- averaging kernels and the change of prior ----------------------------------------------------------------------------
def column_averaging_kernel(A, x_hat, h) -> np.ndarray:
    """MOPITT column AK a_j = d c / d log10 x_j = ln10 sum_i h_i x_hat_i A_ij (H19 App. B,
    Eqs. B1-B2), in ppb per unit log10 VMR. Slots that are NaN contribute nothing.

    Parameters
    ----------
    A : array_like (..., 10, 10)
        Averaging kernel in log10 VMR, rows = retrieved levels.
    x_hat : array_like (..., 10)
        Retrieved profile, ppb.
    h : array_like (..., 10)
        Pressure weights (unitless).

    Returns
    -------
    numpy.ndarray (..., 10)
        a_j, ppb per unit log10 VMR.
    """
    A = np.nan_to_num(np.asarray(A, dtype=np.float64))
    w = np.nan_to_num(np.asarray(h, dtype=np.float64) * np.asarray(x_hat, dtype=np.float64))
    return LN10 * np.einsum("...i,...ij->...j", w, A)


def unitless_column_ak(a, h, x) -> np.ndarray:
    """H19 Eq. B3: a~_j = a_j / (h_j x_j ln10) (1 for a perfect instrument at x = prior).

    Parameters
    ----------
    a : array_like (..., 10)
        Column AK, ppb per unit log10 VMR (:func:`column_averaging_kernel`).
    h : array_like (..., 10)
        Pressure weights (unitless).
    x : array_like (..., 10)
        The profile it was evaluated at, ppb.

    Returns
    -------
    numpy.ndarray (..., 10)
        The unitless column AK.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(a) / (np.asarray(h) * np.asarray(x) * LN10)


def change_of_prior_log(x_hat, A, x_a, x_c) -> np.ndarray:
    """Rodgers & Connor (2003) Eq. (i) in MOPITT's log10 state:
    log10 x' = log10 x_hat + (A - I)(log10 x_a - log10 x_c).

    Parameters
    ----------
    x_hat : array_like (..., n)
        Retrieved profile, ppb.
    A : array_like (..., n, n)
        Averaging kernel in log10 VMR.
    x_a, x_c : array_like (..., n)
        The retrieval's prior and the new prior, ppb.

    Returns
    -------
    numpy.ndarray (..., n)
        x', ppb.
    """
    A = np.nan_to_num(np.asarray(A, dtype=np.float64))
    d = np.nan_to_num(np.log10(x_a) - np.log10(x_c))
    n = d.shape[-1]
    corr = np.einsum("...ij,...j->...i", A - np.eye(n), d)
    return 10.0 ** (np.log10(x_hat) + corr)


def change_of_prior_vmr(x_hat, A, x_a, x_c) -> np.ndarray:
    """Rodgers & Connor (2003) Eq. (10) in a VMR state: x_hat' = x_hat + (A - I)(x_a - x_c), the
    retrieval ``x_hat`` (..., n) with prior ``x_a`` moved to the prior ``x_c`` (same units as the
    profiles; NaN slots contribute nothing to the correction)."""
    A = np.nan_to_num(np.asarray(A, dtype=np.float64))
    d = np.nan_to_num(np.asarray(x_a, dtype=np.float64) - np.asarray(x_c, dtype=np.float64))
    n = d.shape[-1]
    return np.asarray(x_hat, dtype=np.float64) + np.einsum("...ij,...j->...i", A - np.eye(n), d)


def smoothed_vmr(x_t, x_a, A) -> np.ndarray:
    """A profile ``x_t`` seen through a VMR kernel (Rodgers & Connor 2003, Eq. 10 with x_hat =
    x_t): x' = x_a + A (x_t - x_a), in the profiles' units."""
    A = np.nan_to_num(np.asarray(A, dtype=np.float64))
    x_a = np.asarray(x_a, dtype=np.float64)
    return x_a + np.einsum("...ij,...j->...i", A, np.nan_to_num(np.asarray(x_t, dtype=np.float64) - x_a))


def _check_state_space(state_space):
    if state_space not in STATE_SPACES:
        raise ValueError(f"state_space {state_space!r} is not one of {STATE_SPACES}")


# --- methods 0, II and III ---------------------------------------------------------------------------
def method_0(x_hat, psurf, p_t, xco_t):
    """MOPITT retrieved XCO recomputed for the TCCON surface pressure (H19 Sect. 4.1) vs TCCON.

    Parameters
    ----------
    x_hat : array_like (n, 10)
        Retrieved profile (corrections carried), ppb; NaN below the surface.
    psurf, p_t : array_like (n,)
        Satellite and TCCON surface pressure, hPa.
    xco_t : array_like (n,)
        TCCON column, ppb.

    Returns
    -------
    y, x : numpy.ndarray (n,)
        Satellite-side and TCCON-side columns, ppb.
    """
    h = columns.surface_adjusted_weights(psurf, p_t)
    return columns.column(h, x_hat), np.asarray(xco_t, dtype=np.float64)


def method_ii(x_hat, x_a, A, psurf, p_t, p_prior, x_prior, xco_t, exact=True, h_prior=None,
              state_space="log10_vmr"):
    """H19 method II (docs/methods.md sect. 5).

    ``state_space`` ``log10_vmr`` (MOPITT; the default):

    y = c^{M'} = sum h_j 10^{log10 x_hat + (A - I)(log10 x_aM - log10 x_aT)}   (MOPITT at the TCCON prior)
    x = c^{M<-T} = c_aT + log10(gamma) sum_j a_M,j    (linearised), or
        sum h_j x_aT,j 10^{log10(gamma) sum_k A_jk}    (exact profile form),
    with gamma = XCO_T / c_aT(TCCON grid) the TCCON profile scaling factor and a_M the MOPITT
    column AK (H19 Eqs. B1-B2). h is evaluated at the TCCON surface pressure. With the
    product's integration operator ``h_prior`` (n, L, on the given prior levels), the TCCON
    prior column is c_aT = sum_i h_prior,i x_aT,i, the product's own (GGG2020: prior_xco).

    ``state_space`` ``vmr`` (a kernel on VMR, on the same layers): y = sum h_j x_hat'_j with
    x_hat' = x_hat + (A - I)(x_aM - x_aT) (:func:`change_of_prior_vmr`), and x = sum h_j x'_j
    with x' = x_aT + A (gamma x_aT - x_aT) (:func:`smoothed_vmr`), i.e.
    X = X_aT + sum_j h_j a_j (gamma - 1) x_aT,j; linear, so ``exact`` does not matter.

    Parameters
    ----------
    x_hat, x_a : array (n, 10)
        Retrieved (corrections carried) and prior profile, ppb; NaN below the surface.
    A : array (n, 10, 10)
        Averaging kernel in ``state_space``, rows = retrieved levels.
    psurf, p_t : array (n,)
        Satellite and TCCON surface pressure, hPa.
    p_prior, x_prior : array (n, L)
        TCCON prior levels (hPa) and prior (ppb).
    xco_t : array (n,)
        TCCON column to compare, ppb.
    exact : bool
        ``log10_vmr`` only: the exact profile forms (True) or the linearised ones.
    h_prior : array (n, L), optional
        The TCCON product's integration operator on its prior levels.
    state_space : {"log10_vmr", "vmr"}
        The instrument's (``instrument.grid.state_space``).

    Returns
    -------
    y, x : array (n,)
        Satellite-side and TCCON-side columns, ppb.
    """
    _check_state_space(state_space)
    h = columns.surface_adjusted_weights(psurf, p_t)
    p_lev, x_lev = tccon_levels(p_t, p_prior, x_prior)
    x_at = tccon_prior_on_mopitt_layers(psurf, p_t, p_lev, x_lev)
    if h_prior is None:
        c_at = tccon_prior_column(p_lev, x_lev)
    else:
        c_at = columns.column(np.asarray(h_prior, dtype=np.float64), x_prior)
    gamma = np.asarray(xco_t, dtype=np.float64) / c_at
    A0 = np.nan_to_num(A)
    if state_space == "vmr":
        y = columns.column(h, change_of_prior_vmr(x_hat, A0, x_a, x_at))
        x = columns.column(h, smoothed_vmr(gamma[:, None] * x_at, x_at, A0))
    elif exact:
        y = columns.column(h, change_of_prior_log(x_hat, A0, x_a, x_at))
        x = columns.column(h, x_at * 10.0 ** (np.log10(gamma)[:, None] * A0.sum(axis=-1)))
    else:
        n = A0.shape[-1]
        d = np.nan_to_num(np.log10(x_a) - np.log10(x_at))
        corr = np.einsum("...ij,...j->...i", A0 - np.eye(n), d)
        y = columns.column(h, x_hat) + LN10 * columns.column(h, np.nan_to_num(x_hat) * corr)
        a = column_averaging_kernel(A0, x_hat, h)
        x = columns.column(h, x_at) + np.log10(gamma) * np.sum(a, axis=-1)
    return y, x


def method_iii(x_hat, x_a, psurf, p_t, p_prior, x_prior, p_ak, ak, xco_t, h_prior=None):
    """Method III [V] on the TCCON levels (from p_t up, :func:`tccon_levels`; docs/methods.md sect. 5):

    x = c'_T = c_T + sum h_j (a_T,j - 1)(x_aT,j - x_aM,j)            (TCCON at the MOPITT prior)
    y = c_{T<-M} = sum h_j x_aM,j + sum h_j a_T,j (x_hat_M,j - x_aM,j)  (MOPITT through the TCCON AK)

    With the product's integration operator ``h_prior`` (GGG2020) the sums run over the prior
    levels as given with h = h_prior: y is then the TCCON model-comparison formula X_model =
    sum h f_prior + sum h a (f_model - f_prior) (TCCON wiki, AuxiliaryDataGGG2020, cited in the files' usage attribute) with the
    MOPITT prior as f_prior and the MOPITT profile as f_model, all dry mole fractions. The
    satellite kernel is not used, so the method is the same in every state space.

    Parameters
    ----------
    x_hat, x_a : array_like (n, 10)
        Retrieved (corrections carried) and prior profile, ppb; NaN below the surface.
    psurf, p_t : array_like (n,)
        Satellite and TCCON surface pressure, hPa.
    p_prior, x_prior : array_like (n, L)
        TCCON prior levels (hPa) and prior (ppb).
    p_ak, ak : array_like (n, M)
        TCCON column AK levels (hPa) and column AK (unitless).
    xco_t : array_like (n,)
        TCCON column, ppb.
    h_prior : array_like (n, L), optional
        The TCCON product's integration operator on its prior levels.

    Returns
    -------
    y, x : numpy.ndarray (n,)
        Satellite-side and TCCON-side columns, ppb.
    """
    if h_prior is None:
        p_lev, x_prior = tccon_levels(p_t, p_prior, x_prior)
        h = tccon_column_weights(p_lev)
    else:
        p_lev = np.asarray(p_prior, dtype=np.float64)
        x_prior = np.asarray(x_prior, dtype=np.float64)
        h = np.asarray(h_prior, dtype=np.float64)
    order = np.argsort(p_ak, axis=-1)
    a_t = columns.interp_rows(p_lev, np.take_along_axis(p_ak, order, -1), np.take_along_axis(ak, order, -1))
    x_am = mopitt_on_tccon_levels(x_a, psurf, p_lev)
    x_hm = mopitt_on_tccon_levels(x_hat, psurf, p_lev)
    x = np.asarray(xco_t, dtype=np.float64) + columns.column(h, (a_t - 1.0) * (x_prior - x_am))
    y = columns.column(h, x_am) + columns.column(h, a_t * (x_hm - x_am))
    return y, x


def vmr_methods(x_corr, x_hat, x_a, A, p_sat, p_t, p_prior, x_prior, p_ak, ak, xgas_t, h_prior=None) -> dict:
    """Methods 0, II and III for an instrument whose kernel acts on VMR (``state_space`` ``vmr``)
    on its own levels (Rodgers and Connor 2003, doi:10.1029/2002JD002299, Eqs. 10 and 25;
    docs/methods.md sect. 5).

    With the instrument's level pressure weights h (:func:`satcol.instruments.mopitt.levels.
    level_pressure_weights` on its levels ``p_sat``, surface first) and the unitless column AK
    weighted by h, g = h^T A (g_j = h_j a_j):

    - method 0: y = X_corr (the instrument's corrected column), x = X_T (TCCON);
    - method II (on the instrument's levels): the instrument moved to the TCCON prior x_aT
      (the TCCON prior on the instrument's levels, linear in log p):
      y = X_corr + sum_j (h_j - g_j)(x_aT,j - x_a,j); TCCON's profile gamma x_aT seen through
      the instrument's kernel about the same prior: x = X_aT + sum_j g_j (gamma - 1) x_aT,j,
      X_aT = sum_j h_j x_aT,j, gamma = X_T / c_aT the TCCON scaling of its prior (c_aT its
      prior column: the product's integration operator ``h_prior`` when given, else satcol's
      pressure weights on its levels). For a linear retrieval of gamma x_aT, y = x exactly;
    - method III (on the TCCON levels, its column AK a_T and weights h_T): x = X_T + sum h_T
      (a_T - 1)(x_aT - x_a), y = sum h_T x_a + sum h_T a_T (x_hat - x_a), the instrument's
      profiles taken to the TCCON levels linear in log p.

    Parameters
    ----------
    x_corr : array (n,)
        Corrected column of each sounding, in the species' units (ppm or ppb).
    x_hat, x_a : array (n, L)
        Retrieved (corrections carried) and prior profile, species' units.
    A : array (n, L, L)
        Averaging kernel d x_hat / d x (unitless), rows = retrieved levels.
    p_sat : array (n, L)
        The instrument's level pressures, hPa, surface first.
    p_t : array (n,)
        TCCON surface pressure, hPa.
    p_prior, x_prior : array (n, P)
        TCCON prior levels (hPa) and prior (species' units).
    p_ak, ak : array (n, M)
        TCCON column AK levels (hPa) and column AK (unitless).
    xgas_t : array (n,)
        TCCON column average, species' units.
    h_prior : array (n, P), optional
        The TCCON product's integration operator on its prior levels.

    Returns
    -------
    dict
        ``{"method_0": (y, x), "method_II": (y, x), "method_III": (y, x)}``, each (n,) in the
        species' units: y the instrument's side, x TCCON's.
    """
    x_hat = np.asarray(x_hat, dtype=np.float64)
    x_a = np.asarray(x_a, dtype=np.float64)
    A0 = np.nan_to_num(np.asarray(A, dtype=np.float64))
    xgas_t = np.asarray(xgas_t, dtype=np.float64)
    x_corr = np.asarray(x_corr, dtype=np.float64)
    h = levels.level_pressure_weights(p_sat)
    g = np.einsum("...i,...ij->...j", h, A0)
    p_lev, x_lev = tccon_levels(p_t, p_prior, x_prior)
    c_at = tccon_prior_column(p_lev, x_lev) if h_prior is None else \
        columns.column(np.asarray(h_prior, dtype=np.float64), x_prior)
    gamma = xgas_t / c_at
    x_at = columns.log_pressure_interp(p_sat, p_lev, x_lev)
    y2 = x_corr + np.sum((h - g) * np.nan_to_num(x_at - x_a), axis=-1)
    x2 = columns.column(h, x_at) + np.sum(g * np.nan_to_num((gamma[:, None] - 1.0) * x_at), axis=-1)
    h_t = tccon_column_weights(p_lev)
    order = np.argsort(p_ak, axis=-1)
    a_t = columns.interp_rows(p_lev, np.take_along_axis(p_ak, order, -1), np.take_along_axis(ak, order, -1))
    x_am = columns.log_pressure_interp(p_lev, p_sat, x_a)
    x_hm = columns.log_pressure_interp(p_lev, p_sat, x_hat)
    x3 = xgas_t + columns.column(h_t, (a_t - 1.0) * (x_lev - x_am))
    y3 = columns.column(h_t, x_am) + columns.column(h_t, a_t * (x_hm - x_am))
    return {"method_0": (x_corr, xgas_t), "method_II": (y2, x2), "method_III": (y3, x3)}
