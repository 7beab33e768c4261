"""How properties are proved or refuted: exhaustive enumeration with the decision kernel, SMT
(z3) over linear forms, sound CPT bounds, sequential tests, the structure and contraction of
influence matrices, and re-deciding a witness off the kernel."""
