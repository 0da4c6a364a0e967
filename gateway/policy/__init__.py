"""Routing policy: the YAML model, the pure decision function, and the live loader."""
