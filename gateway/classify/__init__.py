"""Request classification: sensitivity (Presidio plus hybridgate's own recognizers)
and complexity, as named signals for the policy engine."""
