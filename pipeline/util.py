"""Small shared helpers: one-line user errors, atomic writes, hashing."""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable, Iterator


class UserError(Exception):
    """An error the user can fix: shown as one line, without a traceback.

    ``notes`` are lines that the command line prints before it (e.g. the inputs that were skipped)."""

    def __init__(self, message: str, notes: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.notes = list(notes)


def shown(name: object) -> str:
    """A file name (or any text from outside) as it may go into a one-line message: characters that
    are not printable (line breaks, terminal escape sequences, undecodable bytes kept as lone
    surrogates) are written as Python escapes (``\\n``, ``\\x1b``, ``\\udcff``), so a name can
    neither forge a second line nor drive the terminal. Printable names (Chinese ones too) stay as they are."""
    text = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


LOCK_FILE = ".govnlp.lock"


@contextlib.contextmanager
def folder_lock(folder: str | Path, what: str = "run") -> Iterator[Path]:
    """Hold ``folder`` for this process: one writer at a time.

    The lock is an ``flock`` on ``folder/.govnlp.lock``, which holds the owner's pid. The kernel releases it
    when its process ends however it ends (``kill -9`` too), so a lock file left by a dead run is stale by
    construction and simply taken over. Another live holder makes this raise ``UserError`` naming its pid.
    The file is opened without following a symbolic link and removed when the lock is released."""
    path = Path(folder) / LOCK_FILE
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise UserError(f"{shown(path)}: is a symbolic link, not a lock file; remove it and run again") from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise UserError(f"{shown(folder)}: another {what} (pid {shown(owner)}) is writing to this folder "
                            f"(it holds {LOCK_FILE}); wait for it to finish or give another output folder") from None
        try:  # the previous holder may have removed the file between our open and our lock: take the new one
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


def open_nofollow(path: str | Path, flags: int, mode: int = 0o666) -> int:
    """``os.open`` that never goes through a symbolic link: a link planted at ``path`` is a ``UserError``."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise UserError(f"{shown(path)}: is a symbolic link; the pipeline never writes through a link: "
                            "remove it and run again") from None
        raise


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path`` and rename it into place only on success.

    An exception or interruption leaves ``path`` as it was (absent or the previous version). A device or a
    named pipe (``--output /dev/null``, ``/dev/stdout``) is written in place: a rename would replace the device
    node with a regular file (it did, once, to a machine's /dev/null: apt and every shell redirect broke).
    """
    path = Path(path)
    kwargs = {"encoding": encoding, "newline": "\n"} if "b" not in mode else {}
    try:
        kind = path.stat().st_mode
    except FileNotFoundError:
        kind = 0
    if stat.S_ISCHR(kind) or stat.S_ISFIFO(kind):
        with open(path, mode, **kwargs) as stream:
            yield stream
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the final file the usual mode
    try:
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def dumps_line(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text, stable separators, keys in insertion order."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(path: str | Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records atomically as JSONL; return how many were written."""
    n = 0
    with atomic_writer(path) as f:
        for record in records:
            f.write(dumps_line(record))
            n += 1
    return n


def write_json(path: str | Path, data: Any) -> None:
    """Write pretty JSON atomically."""
    with atomic_writer(path) as f:
        json.dump(data, f, ensure_ascii=False, indent=2, sort_keys=False)
        f.write("\n")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_tree(path: str | Path) -> str:
    """Hash of a file, or of every file below a folder (relative names and contents)."""
    path = Path(path)
    if path.is_file():
        return sha256_file(path)
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        h.update(p.relative_to(path).as_posix().encode() + b"\0" + sha256_file(p).encode())
    return h.hexdigest()
