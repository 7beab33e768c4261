"""Which options a norm binds: the option-dependent half of a violation (the world-dependent
half is :func:`engine.semantics.events.violation_clauses`).

A contrary-to-duty norm (``violated``) binds an option only where every norm it refers to can
be violated by that option too, so its violation event factorises as

    viol_n(a, x) = violable(n, a) * W_n(x)

an option factor times an event over the chance variables: every path computes P(W_n | do(a), e)
as before and multiplies by the factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.ir.nodes import Norm


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


@dataclass(frozen=True, slots=True)
class References:
    """The contrary-to-duty structure of a tuple of norms over the decision's options, built
    once (:func:`references`).

    ``order``: norm indices, each after the norms it refers to; ``closure[k]``: the indices of
    the norms norm k refers to, directly or through them, each once (a conjunction of
    violation events is idempotent, so a norm reached twice counts once: never exponential);
    ``bound[k, a]``: option a can violate norm k: it binds a, and so does every norm in
    ``closure[k]`` (Chisholm 1963, "Contrary-to-duty imperatives and deontic logic",
    *Analysis* 24: the secondary obligation binds exactly where the primary one is violated).

    Examples
    --------
    >>> go = Norm("go", "obligation", "go")
    >>> dont_tell = Norm("dont_tell", "prohibition", "stay_tell", violated=("go",))
    >>> references((go, dont_tell), ("go", "stay_tell")).bound[1].tolist()
    [False, True]
    """

    order: tuple[int, ...]
    closure: tuple[tuple[int, ...], ...]
    bound: np.ndarray


def references(norms: tuple[Norm, ...], options: tuple[str, ...]) -> References:
    """The :class:`References` of ``norms`` (unknown names are ignored and a cycle is cut
    where it closes: validation refuses both, naming them)."""
    index = {n.name: k for k, n in enumerate(norms)}
    order: list[int] = []
    state = [0] * len(norms)  # 0 new, 1 on the path, 2 done
    for start in range(len(norms)):
        if state[start]:
            continue
        stack = [(start, iter(norms[start].violated))]
        state[start] = 1
        while stack:
            k, pending = stack[-1]
            name = next(pending, None)
            if name is None:
                stack.pop()
                state[k] = 2
                order.append(k)
            elif name in index and state[index[name]] == 0:
                state[index[name]] = 1
                stack.append((index[name], iter(norms[index[name]].violated)))
    closure: list[frozenset[int]] = [frozenset()] * len(norms)
    for k in order:
        found: set[int] = set()
        for name in norms[k].violated:
            r = index.get(name)
            if r is not None and r != k:
                found.add(r)
                found |= closure[r]
        found.discard(k)
        closure[k] = frozenset(found)
    direct = np.array([[binds(n, o) for o in options] for n in norms], dtype=bool).reshape(
        len(norms), len(options)
    )
    bound = direct.copy()
    for k, refs in enumerate(closure):
        if refs:
            bound[k] &= direct[sorted(refs)].all(axis=0)
    return References(tuple(order), tuple(tuple(sorted(c)) for c in closure), bound)


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
