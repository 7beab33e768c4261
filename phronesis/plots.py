"""Plots of simulation studies (matplotlib, Agg): metric trajectories with bands over seeds,
credence trajectories, and the influence network coloured by credence. Each function writes one
PNG or SVG file (by suffix) and returns its path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from phronesis.simulation import Study


def _pyplot():  # noqa: ANN202 - matplotlib's module
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def trajectories(study: Study, names: Sequence[str], path: str | Path) -> Path:
    """Each metric in ``names`` against the step: the mean over runs, with a band from the
    10th to the 90th percentile over runs (min to max with fewer than 10 runs)."""
    plt = _pyplot()
    fig, axes = plt.subplots(
        len(names), 1, figsize=(7, 2.2 * len(names)), sharex=True, squeeze=False
    )
    t = study.runs[0].metrics["t"]
    low, high = (10, 90) if len(study.runs) >= 10 else (0, 100)
    for ax, name in zip(axes[:, 0], names, strict=True):
        values = np.stack([run.metrics[name] for run in study.runs])
        ax.plot(t, values.mean(axis=0), lw=1.5)
        ax.fill_between(
            t, np.percentile(values, low, axis=0), np.percentile(values, high, axis=0), alpha=0.25
        )
        ax.set_ylabel(name, fontsize=8)
    axes[-1, 0].set_xlabel("step")
    fig.suptitle(f"{study.config.agents:,} agents, {len(study.runs)} run(s)", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def credences(study: Study, path: str | Path) -> Path:
    """The mean credence in each theory against the step, one line per theory (mean over runs,
    band over runs)."""
    names = [m for m in study.runs[0].metrics if m.startswith("credence.mean.")]
    return trajectories(study, names, path)


#: the most agents :func:`final_network` draws (the first ones, in index order)
NETWORK_AGENTS = 2000


def network(adjacency: object, values: np.ndarray, path: str | Path, *, title: str = "") -> Path:
    """Agents on a circle (their index order, as on a ring), links drawn, each agent coloured by
    ``values`` (e.g. its credence in one theory). For up to a few thousand agents."""
    import scipy.sparse as sparse
    from matplotlib.collections import LineCollection

    plt = _pyplot()
    matrix = sparse.coo_matrix(adjacency)
    n = matrix.shape[0]
    angle = 2 * np.pi * np.arange(n) / max(n, 1)
    x, y = np.cos(angle), np.sin(angle)
    fig, ax = plt.subplots(figsize=(5, 5))
    keep = matrix.row < matrix.col
    i, j = matrix.row[keep], matrix.col[keep]
    segments = np.stack([np.column_stack([x[i], y[i]]), np.column_stack([x[j], y[j]])], axis=1)
    ax.add_collection(LineCollection(segments, colors="0.8", linewidths=0.3, zorder=1))
    points = ax.scatter(x, y, c=values, cmap="viridis", s=12, zorder=2)
    fig.colorbar(points, ax=ax, shrink=0.7)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return _save(fig, path)


def final_network(study: Study, path: str | Path) -> Path | None:
    """The interaction network of the study's first run, each agent coloured by its final
    credence in the theory whose final credences vary most across agents (the first theory on
    ties); None when the config has no network. Above :data:`NETWORK_AGENTS` agents, the
    first ones and the links among them are drawn (on a ring, whole neighbourhoods)."""
    final = study.runs[0].final if study.runs else None
    if final is None or final.neighbours is None:
        return None
    credences = final.population.credences
    theory = int(np.argmax(np.round(credences.var(axis=0), 12)))
    n = min(len(credences), NETWORK_AGENTS)
    names = [m for m in study.runs[0].metrics if m.startswith("credence.mean.")]
    name = names[theory].removeprefix("credence.mean.") if names else str(theory)
    shown = f"the first {n:,} of {len(credences):,} agents" if n < len(credences) else "agents"
    title = f"{shown} by final credence in {name!r} (seed {study.runs[0].seed})"
    return network(final.neighbours[:n, :n], credences[:n, theory], path, title=title)


def _save(fig: object, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)  # type: ignore[attr-defined]
    _pyplot().close(fig)
    return out
