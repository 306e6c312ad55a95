"""transition: the exercises not yet ported to grader/exercises/NAME/ (one module each)."""
