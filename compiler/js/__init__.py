"""The JavaScript back end: a guideline version as a self-contained ES module (`eligo js`), generated from the IR."""

from eligo.js.module import to_js

__all__ = ["to_js"]
