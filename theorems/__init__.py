"""phronesis.theorems: properties of decisions proved with certificates or refuted with
counterexamples (shared/DESIGN.md, "theorems/").

- :mod:`theorems.task` what a property is checked on (a compiled problem and its evidence
  space), :mod:`theorems.space` that space in chunks and the digest of a decision table over it;
- :mod:`theorems.registry` properties as data, :mod:`theorems.properties` the built-in ones,
  :mod:`theorems.methods` how they are proved (exhaustive, SMT, bounds, sequential tests);
- :mod:`theorems.certificate` the answer, :mod:`theorems.verify` check and re-check;
- :mod:`theorems.tables` verified decision tables (JSON, ``.npz``, C header).
"""
