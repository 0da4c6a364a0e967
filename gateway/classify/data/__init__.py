"""Data shipped with the classifiers: the trained complexity model, the given names
the person-name recognizers look for (and the names that are also everyday words),
the everyday substances left out of the medication names, and the evaluation sets."""
