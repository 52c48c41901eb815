"""The store of sources: `.eligo` files parsed, module versions, `use` resolution and semantic versions."""
