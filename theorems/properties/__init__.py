"""The built-in properties, one module per family, each registered with its statement, check
and re-check (:mod:`theorems.registry`); :mod:`theorems.builtin` imports them all."""
