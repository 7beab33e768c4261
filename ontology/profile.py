"""The ethical profile: m[i, j] = w(e_i, c_j) · P(e_i | c_j) over prescripts × leaf contexts.

shared/DESIGN.md ("Vocabulary"); one profile per agent or role (``role`` keeps the prescripts a
role holds through ``phr:heldBy``). Export as CSV or JSON, plot as a heatmap (matplotlib, Agg).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ontology.knowledge import Knowledge
from ontology.vocabulary import local_name


@dataclass(frozen=True, slots=True)
class Profile:
    """Rows: prescript names; columns: leaf contexts (``variable=state`` where one applies)."""

    prescripts: tuple[str, ...]
    contexts: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    role: str | None = None

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["prescript", *self.contexts])
        for name, row in zip(self.prescripts, self.matrix, strict=True):
            writer.writerow([name, *(repr(x) for x in row)])
        return out.getvalue()

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(
            {
                "role": self.role,
                "prescripts": list(self.prescripts),
                "contexts": list(self.contexts),
                "matrix": [list(row) for row in self.matrix],
                "definition": "m[i][j] = w(e_i, c_j) * P(e_i | c_j)",
            },
            indent=indent,
            allow_nan=False,
        )


def ethical_profile(knowledge: Knowledge, role: str | None = None) -> Profile:
    """The profile matrix of ``knowledge`` (0 where a prescript does not govern a context).

    Examples
    --------
    >>> from ontology.analyse import analyse_file
    >>> k, _ = analyse_file("examples/ontology/av_emergency.ttl", reasoner="owlrl")
    >>> p = ethical_profile(k)
    >>> p.contexts[:2], p.matrix[0][:2]
    (('pedestrian_present=no', 'pedestrian_present=yes'), (0.0, 100.0))
    """
    labels = {}
    for variable in knowledge.variables:
        for leaf, state in zip(variable.leaves, variable.states, strict=True):
            labels[leaf] = f"{variable.name}={state}"
    leaves = list(knowledge.leaves)
    prescripts = [p for p in knowledge.prescripts if role is None or role in p.roles]
    matrix = []
    for prescript in prescripts:
        governed = knowledge.governed(prescript.iri)
        matrix.append(
            tuple(
                governed[leaf].weight * governed[leaf].probability if leaf in governed else 0.0
                for leaf in leaves
            )
        )
    return Profile(
        tuple(p.name for p in prescripts),
        tuple(labels.get(leaf, local_name(leaf)) for leaf in leaves),
        tuple(matrix),
        role,
    )


def plot_profile(profile: Profile, out: str | Path, title: str = "Ethical profile") -> Path:
    """Write the profile as a PNG heatmap and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.asarray(profile.matrix, dtype=float).reshape(
        len(profile.prescripts), len(profile.contexts)
    )
    width = max(4.0, 0.9 * len(profile.contexts) + 3.0)
    height = max(2.5, 0.45 * len(profile.prescripts) + 1.8)
    fig, ax = plt.subplots(figsize=(width, height))
    try:
        image = ax.imshow(data, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(profile.contexts)), profile.contexts, rotation=45, ha="right")
        ax.set_yticks(range(len(profile.prescripts)), profile.prescripts)
        middle = (data.max() + data.min()) / 2 if data.size else 0.0
        for i, j in np.ndindex(data.shape if data.size <= 400 else (0, 0)):
            colour = "black" if data[i, j] > middle else "white"
            ax.text(j, i, f"{data[i, j]:.3g}", ha="center", va="center", color=colour, fontsize=8)
        fig.colorbar(image, ax=ax, label="w(E, C) · P(E | C)")
        ax.set_title(title + (f" — role {profile.role}" if profile.role else ""))
        fig.tight_layout()
        out = Path(out)
        fig.savefig(out, dpi=120)
    finally:
        plt.close(fig)
    return out
