"""Time load / validate / reason / extract on the shipped ontologies and on a generated one.

Usage::

    python benchmarks/ontology.py                       # shipped examples + 10k norms, 1k contexts
    python benchmarks/ontology.py --norms 1000 --contexts 100 --reasoners owlrl

The generated ontology: a context tree under one context variable ``context`` (branching
``--branching``; its leaves are the variable's states), ``--norms`` prohibitions/obligations,
each stated for a context drawn uniformly (seeded), so a norm stated for an inner context holds
in all leaves below it after reasoning. Numbers are printed, never asserted; each stage of a
reasoner that exceeds ``--budget`` seconds is reported as skipped for larger sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.errors import PhronesisError  # noqa: E402
from ontology.analyse import analyse_file  # noqa: E402
from ontology.extract import problem_from_knowledge  # noqa: E402
from ontology.reason import java_available  # noqa: E402

OPTIONS = ("proceed", "wait", "escalate", "refuse", "delegate")


def context_tree(contexts: int, branching: int) -> list[tuple[str, str | None]]:
    """(name, parent) for ``contexts`` classes in breadth-first order; the first is the root."""
    nodes: list[tuple[str, str | None]] = [("C0", None)]
    parent = 0
    while len(nodes) < contexts:
        for _ in range(branching):
            if len(nodes) >= contexts:
                break
            nodes.append((f"C{len(nodes)}", nodes[parent][0]))
        parent += 1
    return nodes


def generate(
    directory: Path, norms: int, contexts: int, branching: int, seed: int
) -> tuple[Path, int]:
    rng = random.Random(seed)
    tree = context_tree(contexts, branching)
    parents = {p for _, p in tree if p}
    leaves = [name for name, _ in tree if name not in parents]
    lines = [
        "@prefix g: <http://example.org/generated#> .",
        "@prefix phr: <https://w3id.org/phronesis/ontology#> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        '<http://example.org/generated> a owl:Ontology ; phr:scenario "generated.scenario.json" .',
    ]
    for name, parent in tree:
        lines.append(
            f"g:{name} a owl:Class ; rdfs:subClassOf {'g:' + parent if parent else 'phr:Context'} ."
        )
    lines.append('g:C0 phr:contextVariable "context" .')
    for option in OPTIONS:
        lines.append(f"g:{option} a phr:Option .")
    for k in range(norms):
        modality = "phr:Prohibition" if k % 3 else "phr:Obligation"
        context = tree[rng.randrange(len(tree))][0]
        lines.append(
            f"g:n{k} a {modality} ; phr:concerns g:{rng.choice(OPTIONS)} ;"
            f" phr:appliesIn g:{context} ;"
            f" phr:weight {rng.randint(1, 100)} ; phr:order {k} ."
        )
    path = directory / "generated.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scenario = {
        "name": "generated",
        "decision": {"name": "act", "options": list(OPTIONS)},
        "variables": [
            {"name": "context", "states": leaves, "cpt": [1.0 / len(leaves)] * len(leaves)},
        ],
        "values": [
            {"name": "v", "parents": ["act"], "utility": {o: i for i, o in enumerate(OPTIONS)}}
        ],
        "theories": [{"name": "t", "kind": "cardinal", "credence": 1.0, "value_weights": {"v": 1}}],
    }
    (directory / "generated.scenario.json").write_text(json.dumps(scenario), encoding="utf-8")
    return path, len(leaves)


def run(path: Path, reasoner: str, validate: bool) -> dict[str, float | int | str]:
    start = time.perf_counter()
    knowledge, timings = analyse_file(path, reasoner, validate=validate)
    extract_start = time.perf_counter()
    try:
        norms: int | str = len(problem_from_knowledge(knowledge, path).norms)
    except PhronesisError as exc:  # e.g. without reasoning an inherited norm is missing
        norms = f"n/a ({type(exc).__name__})"
    end = time.perf_counter()
    return {
        "file": path.name,
        "reasoner": knowledge.reasoner,
        "triples": knowledge.triples,
        "norms in IR": norms,
        "load s": round(timings.load, 3),
        "validate s": round(timings.validate, 3) if validate else "-",
        "reason s": round(timings.reason, 3),
        "read s": round(timings.read, 3),
        "extract s": round(end - extract_start, 3),
        "total s": round(end - start, 3),
    }


def show(row: dict) -> None:
    print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--norms", type=int, default=10_000)
    parser.add_argument("--contexts", type=int, default=1_000)
    parser.add_argument("--branching", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reasoners", default="none,owlrl,hermit")
    parser.add_argument(
        "--no-validate", action="store_true", help="skip SHACL on the generated file"
    )
    args = parser.parse_args()
    reasoners = [r for r in args.reasoners.split(",") if r != "hermit" or java_available()]

    rows: list[dict] = []
    print("# shipped examples")
    for name in ("av_emergency.ttl", "icu_triage.ttl", "icu_triage.owx"):
        for reasoner in reasoners:
            rows.append(run(ROOT / "examples" / "ontology" / name, reasoner, validate=True))
            show(rows[-1])
    with tempfile.TemporaryDirectory() as tmp:
        path, leaves = generate(Path(tmp), args.norms, args.contexts, args.branching, args.seed)
        print(f"# generated: {args.norms} norms, {args.contexts} contexts ({leaves} leaves)")
        for reasoner in reasoners:
            try:
                rows.append(run(path, reasoner, validate=not args.no_validate))
                show(rows[-1])
            except Exception as exc:  # report and go on: a benchmark, not a test
                print(
                    f"reasoner={reasoner} failed: {type(exc).__name__}: {str(exc)[:200]}",
                    flush=True,
                )

    print("# reasoning time, owlrl / HermiT (peers on the same input)")
    for file in dict.fromkeys(r["file"] for r in rows):
        by = {r["reasoner"]: r["reason s"] for r in rows if r["file"] == file}
        if by.get("hermit") and by.get("owlrl"):
            print(f"{file}: {by['owlrl'] / by['hermit']:.2f}x")


if __name__ == "__main__":
    main()
