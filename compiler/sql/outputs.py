"""Where a cohort is read from and written to: paths taken literally, outputs checked before any work, written
through a temporary file beside the target and renamed into place, temporaries removed on failure or signal.

A temporary is named `.NAME.PID.eligo-tmp`; one left by a process that was killed outright (SIGKILL, power
loss) is removed by the next run writing the same output, once its process is gone.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import threading
from pathlib import Path
from types import FrameType, TracebackType

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "json", ".ndjson": "json", ".json": "json"}
_PENDING: set[Path] = set()
_LOCK = threading.Lock()
_SIGNALS = tuple(s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None)
_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)(?:\.old)?\.eligo-tmp$")


class OutputError(Exception):
    """An output (or input) path that cannot be used; the message says why, before any work is done."""


def duckdb_literal(path: str | Path) -> str:
    """A path DuckDB reads as exactly that file: its glob characters escaped as one-character classes.

    >>> duckdb_literal("q[1]*.csv")
    'q[[]1][*].csv'
    """
    return re.sub(r"([\[*?])", r"[\1]", str(path))


def hadoop_literal(path: str | Path) -> str:
    r"""A path Spark (Hadoop's glob) reads as exactly that file or folder: glob characters escaped.

    >>> hadoop_literal("q[1]{a,b}.csv")
    'q\\[1\\]\\{a,b\\}.csv'
    """
    return re.sub(r"([\[\]*?{}\\])", r"\\\1", str(path))


def has_scheme(path: str | Path) -> bool:
    """A URI such as hdfs://… or s3a://…, which only Spark reads and writes."""
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", str(path)) is not None


def check_input(path: str | Path, folder_ok: bool = False) -> None:
    """A local input exists (a file; a folder too for Spark, which reads folders of part files)."""
    if has_scheme(path):
        return
    local = Path(path)
    if not local.exists():
        raise OutputError(f"{path}: no such file (to read several files, give --pattern and a glob)")
    if local.is_dir() and not folder_ok:
        raise OutputError(f"{path}: is a folder; give a file (or --pattern and a glob such as {path}/*.parquet)")


class Output:
    """One output, written whole or not at all: a temporary beside `target` (made now, so that a missing or
    read-only folder is reported before any work), renamed onto it by `commit`. `folder`: the engine writes
    a folder of part files (Spark), not one file."""

    def __init__(self, target: str | Path, inputs: tuple[str | Path, ...] = (), folder: bool = False) -> None:
        self.target, self.folder = Path(target), folder
        suffix = self.target.suffix.lower()
        if suffix not in FORMATS:
            raise OutputError(f"{target}: cannot write {suffix or 'a file without an extension'}; "
                              "give .parquet, .csv or .jsonl")
        self.format = FORMATS[suffix]
        for source in inputs:
            if not has_scheme(source) and Path(source).exists() and _same(Path(source), self.target):
                raise OutputError(f"{target}: is the input; write the decisions to another file")
        parent = self.target.parent
        if not parent.is_dir():
            raise OutputError(f"{target}: no such folder {parent}; create it first")
        if self.target.is_dir() and not (folder and _replaceable(self.target)):
            raise OutputError(f"{target}: is a folder; give a file name" if not folder else
                              f"{target}: is a folder that is not an earlier output; give another name")
        if self.target.exists() and not self.target.is_dir() and folder:
            raise OutputError(f"{target}: is a file; Spark writes a folder of part files, give another name")
        _remove_stale(parent, self.target.name)
        self.temporary = parent / f".{self.target.name}.{os.getpid()}.eligo-tmp"
        try:
            if folder:
                self.temporary.mkdir()
            else:
                os.close(os.open(self.temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except OSError as error:
            raise OutputError(f"{target}: cannot write in {parent}: {error.strerror or error}") from error
        _register(self.temporary)

    def __enter__(self) -> Output:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()

    def commit(self) -> None:
        """Move the finished temporary onto the target (an earlier output folder is replaced)."""
        if self.folder and self.target.is_dir():
            old = self.target.with_name(f".{self.target.name}.{os.getpid()}.old.eligo-tmp")
            _register(old)
            self.target.rename(old)
            self.temporary.rename(self.target)
            _remove(old)
        else:
            self.temporary.replace(self.target)
        _unregister(self.temporary)

    def discard(self) -> None:
        _remove(self.temporary)


def write_text(path: Path, text: str) -> None:
    """A small file (a summary) written whole: a temporary beside it, then renamed."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.eligo-tmp")
    _register(temporary)
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    finally:
        _remove(temporary)


def _same(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if b.exists():
            return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _replaceable(folder: Path) -> bool:
    """An earlier Spark output (its _SUCCESS marker) or an empty folder."""
    return (folder / "_SUCCESS").exists() or not any(folder.iterdir())


def _remove_stale(parent: Path, name: str) -> None:
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            found = _STALE.match(entry.name)
            if found and found["name"] == name and not _alive(int(found["pid"])):
                _remove(entry)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    _unregister(path)


def _register(path: Path) -> None:
    with _LOCK:
        _PENDING.add(path)
    _install()


def _unregister(path: Path) -> None:
    with _LOCK:
        _PENDING.discard(path)


def cleanup() -> None:
    """Remove every temporary still pending (at exit, or on a signal)."""
    with _LOCK:
        pending = list(_PENDING)
        _PENDING.clear()
    for path in pending:
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


_previous: dict[int, object] = {}
_installed: list[bool] = []


def _on_signal(signum: int, frame: FrameType | None) -> None:
    cleanup()
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install() -> None:
    """Once per process, from the main thread: clean up at exit and on SIGTERM and SIGHUP."""
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _installed.append(True)
    atexit.register(cleanup)
    for signum in _SIGNALS:
        with contextlib.suppress(ValueError, OSError):
            previous = signal.getsignal(signum)
            if previous is signal.SIG_IGN:
                continue
            _previous[signum] = previous
            signal.signal(signum, _on_signal)
