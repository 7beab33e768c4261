"""Analyses composed on decisions (the pipeline does not call them): P(best) under parameter
uncertainty, value of information, decision tables decided ahead."""
