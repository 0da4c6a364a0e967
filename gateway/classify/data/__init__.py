"""Data shipped with the classifiers: the trained complexity model."""
