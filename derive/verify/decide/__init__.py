"""Stage 4: a planned step -> a verdict (build SymPy, prove, refute, policy), run in killable workers."""
