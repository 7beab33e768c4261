"""Conditional value at risk (Rockafellar and Uryasev 2000): the mean of the worst alpha-tail of a
discrete distribution, and the parsing of a risk setting."""

from __future__ import annotations

import numpy as np

from engine.errors import PolicyError


def parse_risk(text: str | None) -> tuple[str, float]:
    """``"ev"`` -> ("ev", 1.0); ``"cvar:0.1"`` -> ("cvar", 0.1).

    Examples
    --------
    >>> parse_risk("cvar:0.25")
    ('cvar', 0.25)
    """
    if text is None or text == "ev":
        return "ev", 1.0
    kind, _, level = text.partition(":")
    try:
        alpha = float(level)
    except ValueError:
        alpha = float("nan")
    if kind != "cvar" or not 0.0 < alpha <= 1.0:
        raise PolicyError(
            f"unknown risk setting {text!r}; expected 'ev' or 'cvar:ALPHA' with 0 < ALPHA <= 1"
        )
    return "cvar", alpha


def cvar(values: np.ndarray, probabilities: np.ndarray, alpha: float) -> float:
    """Lower-tail CVaR_alpha of a discrete distribution.

    Examples
    --------
    >>> cvar(np.array([0.0, 10.0]), np.array([0.2, 0.8]), 0.1)
    0.0
    >>> round(cvar(np.array([0.0, 10.0]), np.array([0.2, 0.8]), 0.5), 9)
    6.0
    """
    order = np.argsort(values, kind="stable")
    x, p = values[order], probabilities[order] / probabilities.sum()
    below = np.cumsum(p) - p
    mass = np.clip(np.minimum(p, alpha - below), 0.0, None)
    return float(mass @ x / alpha)


def cvar_batched(values: np.ndarray, probabilities: np.ndarray, alpha: float) -> np.ndarray:
    """:func:`cvar` along the last axis of ``values`` / ``probabilities`` (broadcast together).

    Examples
    --------
    >>> v = np.array([[0.0, 10.0], [10.0, 0.0]])
    >>> cvar_batched(v, np.array([[0.2, 0.8], [0.8, 0.2]]), 0.5).round(9).tolist()
    [6.0, 6.0]
    """
    values, probabilities = np.broadcast_arrays(values, probabilities)
    order = np.argsort(values, axis=-1, kind="stable")
    x = np.take_along_axis(values, order, axis=-1)
    p = np.take_along_axis(probabilities, order, axis=-1)
    p = p / p.sum(axis=-1, keepdims=True)
    below = np.cumsum(p, axis=-1) - p
    mass = np.clip(np.minimum(p, alpha - below), 0.0, None)
    return np.sum(mass * x, axis=-1) / alpha
