"""The compiled product: an immutable `Guideline` that decides cases, and the `Result` it gives."""
