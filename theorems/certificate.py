"""Certificates (shared/DESIGN.md, "theorems/"): what a property check found, as data that
someone else can re-check.

A :class:`Certificate` names the property and its parameters, the problem (content hash), the
decision settings, the method, the verdict — ``proved``, ``refuted`` or ``unknown`` (with the
reason) — and a witness: the counterexample for a refutation (evidence assignment, parameter
values), or what a proof rests on (for an exhaustive proof the SHA-256 of the decision table
checked; for an SMT proof the constraints' digest; for a radius the radius). It carries the
versions of the solvers used and the time taken. It serialises to JSON with sorted keys, so
the same check gives the same bytes apart from ``seconds``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from engine.errors import PhronesisError

Verdict = Literal["proved", "refuted", "unknown"]
VERDICTS: tuple[str, ...] = ("proved", "refuted", "unknown")
FORMAT = "phronesis-certificate/1"


class CertificateError(PhronesisError, ValueError):
    """A certificate file is malformed (not JSON, a field missing or of the wrong kind)."""


@dataclass(frozen=True, slots=True)
class Certificate:
    """The outcome of checking one property on one problem under one set of settings.

    ``parameters``: the property's own inputs (radius, observables, labels file digest, ...);
    ``settings``: the decision settings (rule, normalisation, policy, backend);
    ``witness``: for ``refuted`` the counterexample, for ``proved`` what the proof rests on
    (JSON values only); ``details``: counts and measurements (assignments checked, radius per
    situation, ...); ``solvers``: package versions that produced it.
    """

    property: str
    problem_hash: str
    verdict: Verdict
    method: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    reason: str | None = None
    witness: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    solvers: Mapping[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise CertificateError(f"verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")

    @property
    def proved(self) -> bool:
        return self.verdict == "proved"

    @property
    def refuted(self) -> bool:
        return self.verdict == "refuted"

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "property": self.property,
            "problem_hash": self.problem_hash,
            "verdict": self.verdict,
            "method": self.method,
            "parameters": dict(self.parameters),
            "settings": dict(self.settings),
            "reason": self.reason,
            "witness": dict(self.witness),
            "details": dict(self.details),
            "solvers": dict(self.solvers),
            "seconds": self.seconds,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, allow_nan=False)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: Any, source: str = "certificate") -> Certificate:
        if not isinstance(data, dict):
            raise CertificateError(f"{source}: expected a JSON object")
        if data.get("format") != FORMAT:
            raise CertificateError(
                f"{source}: field 'format' is {data.get('format')!r}; expected {FORMAT!r}"
            )
        kinds = {
            "property": str, "problem_hash": str, "verdict": str, "method": str,
            "parameters": dict, "settings": dict, "witness": dict, "details": dict,
            "solvers": dict, "seconds": (int, float),
        }  # fmt: skip
        for name, kind in kinds.items():
            if not isinstance(data.get(name), kind):
                raise CertificateError(f"{source}: field {name!r} is missing or malformed")
        if data.get("reason") is not None and not isinstance(data["reason"], str):
            raise CertificateError(f"{source}: field 'reason' must be a string or null")
        fields = {k: data[k] for k in kinds} | {"reason": data.get("reason")}
        return cls(**fields)

    @classmethod
    def from_json(cls, text: str, source: str = "certificate") -> Certificate:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CertificateError(f"{source}: not JSON ({exc.msg} at line {exc.lineno})") from None
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: str | Path) -> Certificate:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CertificateError(f"{path}: cannot read the certificate ({exc})") from None
        return cls.from_json(text, str(path))


def versions(*packages: str) -> dict[str, str]:
    """Installed versions of phronesis and ``packages`` (``"absent"`` where not installed)."""
    found: dict[str, str] = {}
    for name in ("phronesis", "numpy", *packages):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found
