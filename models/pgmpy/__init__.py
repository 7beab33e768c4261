"""pgmpy as the exact reference backend (VariableElimination) and the IR <-> pgmpy converters."""
