"""The Eligo compiler: load a knowledge base, check it, and compile guidelines into evaluators."""
