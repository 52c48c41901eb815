"""The version of Eligo (of its language, compiler and generated code)."""

__version__ = "0.1.0"
