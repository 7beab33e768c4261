"""Which options a norm binds: the option-dependent half of a violation (the world-dependent
half is :func:`engine.semantics.events.violation_clauses`).

A contrary-to-duty norm (``violated``) binds an option only where every norm it refers to can
be violated by that option too, so its violation event factorises as

    viol_n(a, x) = violable(n, a) * W_n(x)

an option factor times an event over the chance variables: every path computes P(W_n | do(a), e)
as before and multiplies by the factor.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.ir.nodes import Clause, Norm


def binds(norm: Norm, option: str) -> bool:
    """True when choosing ``option`` can violate ``norm`` (shared/DESIGN.md, "Decision
    semantics" step 3): a prohibition of that option, or an obligation to another one. A
    permission binds no option.

    Examples
    --------
    >>> binds(Norm("n", "prohibition", "steal"), "steal")
    True
    >>> binds(Norm("o", "obligation", "help"), "help")
    False
    """
    if norm.modality == "permission":
        return False
    return (option == norm.option) == (norm.modality == "prohibition")


def violable(by_name: Mapping[str, Norm], norm: Norm, option: str) -> bool:
    """:func:`binds`, and so does every norm ``norm`` refers to in ``violated``, directly or
    through them (Chisholm 1963, "Contrary-to-duty imperatives and deontic logic", *Analysis*
    24: the secondary obligation binds exactly where the primary one is violated).

    Examples
    --------
    >>> go = Norm("go", "obligation", "go")
    >>> dont_tell = Norm("dont_tell", "prohibition", "stay_tell", violated=("go",))
    >>> by_name = {"go": go, "dont_tell": dont_tell}
    >>> [violable(by_name, dont_tell, o) for o in ("go", "stay_tell")]
    [False, True]
    """
    return binds(norm, option) and in_force_under(by_name, norm, option)


def in_force_under(by_name: Mapping[str, Norm], norm: Norm, option: str) -> bool:
    """True unless ``norm`` refers to the violation of a norm that ``option`` does not bind."""
    return all(binds(r, option) for r in referenced(by_name, norm))


def referenced_condition(by_name: Mapping[str, Norm], norm: Norm) -> tuple[Clause, ...]:
    """``norm.condition`` joined with the conditions of the norms it refers to: where it can
    be in force at all, before exceptions and defeaters."""
    found = list(norm.condition)
    for other in referenced(by_name, norm):
        found += other.condition
    return tuple(found)


def referenced(by_name: Mapping[str, Norm], norm: Norm) -> tuple[Norm, ...]:
    """The norms whose violation ``norm``'s condition names, directly or through them, each
    once (a conjunction of violation events is idempotent, so a norm reached twice counts
    once: linear in the references, never exponential)."""
    found: dict[str, Norm] = {}
    stack = list(reversed(norm.violated))
    while stack:
        name = stack.pop()
        if name in found or name == norm.name:
            continue
        found[name] = by_name[name]
        stack.extend(reversed(found[name].violated))
    return tuple(found.values())


def reference_cycle(norms: tuple[Norm, ...]) -> tuple[str, ...] | None:
    """A cycle of ``violated`` references among ``norms`` (names, the first repeated at the
    end), or ``None``; references to unknown names are ignored here (checked elsewhere)."""
    by_name = {n.name: n for n in norms}
    done: set[str] = set()
    for start in norms:
        if start.name in done:
            continue
        path: list[str] = [start.name]
        on_path = {start.name}
        iterators = [iter(start.violated)]
        while iterators:
            name = next(iterators[-1], None)
            if name is None:
                iterators.pop()
                finished = path.pop()
                done.add(finished)
                on_path.discard(finished)
                continue
            if name not in by_name or name in done:
                continue
            if name in on_path:
                return (*path[path.index(name) :], name)
            path.append(name)
            on_path.add(name)
            iterators.append(iter(by_name[name].violated))
    return None
