"""One module per exercise: its table of functions, checks, mutants and hints."""
