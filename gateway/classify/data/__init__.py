"""Data shipped with the classifiers: the trained complexity model and the given
names the person-name recognizer looks for."""
