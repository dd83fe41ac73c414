"""The chain's steps, one module each, in the order `chain.py` runs them."""
