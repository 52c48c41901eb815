"""Finding the knowledge base: the nearest folder holding `eligo.toml`, walking up; else `knowledge/` here."""

from __future__ import annotations

from pathlib import Path

MARKER = "eligo.toml"
DEFAULT = Path("knowledge")


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (a file or folder; default the current folder) holding MARKER."""
    here = (start or Path.cwd()).resolve()
    folder = here if here.is_dir() else here.parent
    for candidate in (folder, *folder.parents):
        if (candidate / MARKER).is_file():
            return candidate
    return None


def knowledge_base(kb: Path | None = None, paths: list[Path] | None = None) -> Path:
    """The knowledge-base folder a command works in: the one given, else the one around the first path
    (or around the current folder), else `knowledge/` in the current folder."""
    if kb is not None:
        return kb
    for start in [*(paths or [])[:1], None]:
        root = find_root(start) if start is None or start.exists() else None
        if root is not None:
            return _relative(root)
    return DEFAULT


def inside(path: Path, root: Path) -> bool:
    """Whether `path` is `root` or lies under it."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _relative(root: Path) -> Path:
    """`root` relative to the current folder when it lies under it (so that paths print as people typed them)."""
    try:
        return root.relative_to(Path.cwd().resolve()) if root != Path.cwd().resolve() else Path(".")
    except ValueError:
        return root
