"""The JAX implementation of the tensor backend: one ``jax.jit`` per query shape.

Batches are padded to the next power of two (index 0 is a valid state; padded rows are
dropped), so a query shape compiles once per bucket rather than once per batch size.
64-bit floats are switched on here, when this backend is imported, never by ``engine``.
"""

from __future__ import annotations

import jax
import numpy as np
import opt_einsum

from models.tensor.backend import Executor, TensorBackend
from models.tensor.execute import evaluate, offsets
from models.tensor.plan import QueryPlan

jax.config.update("jax_enable_x64", True)


def _device(name: str) -> jax.Device:
    kind, _, number = name.partition(":")
    platform = {"cuda": "gpu"}.get(kind, kind)
    return jax.devices(platform)[int(number or 0)]


class JaxBackend(TensorBackend):
    """Exact batched inference with jit-compiled JAX (CPU always; GPU with ``device="cuda"``).

    Examples
    --------
    >>> from engine.ir import CPT, BayesianNetwork, Variable
    >>> net = BayesianNetwork("r", (Variable("a", ("0", "1")), Variable("b", ("0", "1"))),
    ...     (CPT("a", (), (0.5, 0.5)), CPT("b", ("a",), (0.9, 0.1, 0.2, 0.8))))
    >>> JaxBackend().posterior(net, [{"b": "1"}], ["a"]).round(4).tolist()
    [[0.1111, 0.8889]]
    """

    name = "jax"

    def _executor(self, plan: QueryPlan) -> Executor:
        device = _device(self.device)
        tables = tuple(jax.device_put(op.table, device) for op in plan.operands)
        ones = jax.device_put(
            np.ones(int(np.prod(plan.target_shape)), plan.operands[0].table.dtype), device
        )
        contract = None
        if plan.equation:
            expression = opt_einsum.contract_expression(
                plan.equation, *plan.runtime_shapes(), optimize=list(plan.path)
            )

            def contract(*operands: jax.Array) -> jax.Array:
                return expression(*operands, backend="jax")

        batched, shape = plan.batched, plan.target_shape

        @jax.jit
        def compiled(
            tables: tuple[jax.Array, ...], rows: tuple[jax.Array | None, ...]
        ) -> tuple[jax.Array, jax.Array]:
            return evaluate(tables, rows, contract, batched, ones, shape)

        def run(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            n = len(index)
            size = 1 << max(n - 1, 0).bit_length()
            if size != n:
                index = np.concatenate([index, np.zeros((size - n, index.shape[1]), np.intp)])
            rows = tuple(
                None if r is None else jax.device_put(r, device) for r in offsets(plan, index)
            )
            post, norm = compiled(tables, rows)
            return np.asarray(post)[:n], np.asarray(norm)[:n]

        return run
