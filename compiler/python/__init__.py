"""The Python back end: IR to Python source (codegen and its traced variant), compiled once (evaluator), and
the helpers generated code calls (runtime)."""
