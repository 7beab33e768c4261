"""Decision semantics, steps 1-4: norm events written once, exact and sampled assessment of
each option (EV per value, P(violation) per norm, CW per theory), and risk (CVaR)."""
