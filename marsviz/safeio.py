"""Every file marsviz writes goes through here: atomic, exclusive, no-clobber.

The rules, for frames, videos, subtitles, manifests, lesson packs, porkchop plots, screenshots
and the plan cache alike:

- a file is first written under an unpredictable temporary name in its destination directory,
  created exclusively (``O_CREAT | O_EXCL``, so a planted file or symlink is never followed or
  reused) and readable only by the user until it is complete;
- it gets its final name only when complete: :func:`os.link` for a new file (which fails if the
  name was taken in the meantime, so nothing is replaced), :func:`os.replace` only where the
  caller says the existing file may be replaced (``overwrite=True``: the user asked, or marsviz
  itself made the file and can prove it);
- on any failure, Ctrl-C included, the temporary is removed and the final name is left as it was.

No Qt, no VTK: the model's cache and the exporter both use it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from marsviz.errors import OutputError, UsageError

TEMP_PREFIX = ".marsviz-"
TEMP_SUFFIX = ".part"


class Clobber(OutputError):
    """The destination exists and marsviz may not replace it."""


def describe_os_error(exc: OSError) -> str:
    """A short plain reason for an OS error (``disk full``, ``permission denied``...)."""
    if exc.errno == errno.ENOSPC:
        return "disk full (no space left on device)"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EISDIR:
        return "is a directory"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a directory"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or str(exc)


def temp_path(final: Path) -> Path:
    """An unpredictable temporary name beside ``final`` (not created)."""
    final = Path(final)
    return final.with_name(f"{TEMP_PREFIX}{final.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}")


def create_temp(final: Path) -> tuple[int, Path]:
    """Create a fresh temporary file beside ``final``: (open fd, path). Never follows a link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(16):
        tmp = temp_path(final)
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "could not create a unique temporary file", str(final))


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _final_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def check_destination(final: Path, overwrite: bool = False) -> None:
    """Refuse a destination that exists unless ``overwrite``; never one that is not a file."""
    final = Path(final)
    try:
        st = os.lstat(final)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{final}: is a directory; choose a file name")
    if not overwrite:
        raise Clobber(f"{final}: already exists; choose another name, delete it, or add --overwrite")
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{final}: is not a regular file; marsviz replaces only regular files")


def commit(tmp: Path, final: Path, overwrite: bool = False) -> None:
    """Give the complete temporary ``tmp`` its final name (see the module's rules)."""
    tmp, final = Path(tmp), Path(final)
    with contextlib.suppress(OSError):
        os.chmod(tmp, _final_mode())
    if overwrite:
        check_destination(final, overwrite=True)
        os.replace(tmp, final)
        return
    try:
        os.link(tmp, final, follow_symlinks=False)
    except FileExistsError:
        _remove(tmp)
        raise Clobber(f"{final}: already exists; choose another name, delete it, or add --overwrite") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
        # A file system without hard links: check, then rename (a small race, no follow).
        check_destination(final, overwrite=False)
        os.rename(tmp, final)
        return
    _remove(tmp)


@contextlib.contextmanager
def atomic_path(final: Path, overwrite: bool = False) -> Iterator[Path]:
    """A temporary path to write ``final`` through (for writers that take a file name).

    The temporary already exists, empty and exclusive; the writer opens it by name and may
    truncate it. It gets the final name when the block ends without an exception; otherwise it
    is removed.
    """
    final = Path(final)
    check_destination(final, overwrite)
    fd, tmp = create_temp(final)
    os.close(fd)
    try:
        yield tmp
        commit(tmp, final, overwrite)
    except BaseException:
        _remove(tmp)
        raise


@contextlib.contextmanager
def atomic_open(final: Path, overwrite: bool = False, sync: bool = True) -> Iterator:
    """A binary file object that becomes ``final`` when the block ends without an exception.

    ``sync=False`` skips the ``fsync`` (for files that are cheap to make again, such as frames).
    """
    final = Path(final)
    check_destination(final, overwrite)
    fd, tmp = create_temp(final)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
        commit(tmp, final, overwrite)
    except BaseException:
        _remove(tmp)
        raise


def write_bytes(final: Path, data: bytes, overwrite: bool = False, sync: bool = True) -> None:
    """Write ``data`` to ``final`` atomically; refuse to replace a file unless ``overwrite``."""
    with atomic_open(final, overwrite, sync) as fh:
        fh.write(data)


def write_text(final: Path, text: str, overwrite: bool = False) -> None:
    write_bytes(final, text.encode("utf-8"), overwrite)


def ensure_directory(directory: Path) -> Path:
    """Create ``directory`` (and its parents) and prove a file can be made in it.

    The proof is an exclusive temporary, removed at once. Raises :class:`OSError` with the
    system's reason (callers word it for their command).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    if not directory.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory))
    fd, tmp = create_temp(directory / "probe")
    os.close(fd)
    _remove(tmp)
    return directory


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a regular file (not followed through a symlink), or None if there is none."""
    import hashlib

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h = hashlib.sha256()
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)
    except OSError:
        return None
    finally:
        os.close(fd)


def sweep_temporaries(directory: Path) -> int:
    """Remove marsviz's own leftover temporaries in ``directory`` (regular files only)."""
    n = 0
    with contextlib.suppress(OSError):
        for p in Path(directory).iterdir():
            if p.name.startswith(TEMP_PREFIX) and p.name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    if stat.S_ISREG(os.lstat(p).st_mode):
                        os.unlink(p)
                        n += 1
    return n


def read_limited(path: Path, limit_bytes: int, what: str = "file") -> bytes:
    """Read a regular file of at most ``limit_bytes`` (no FIFOs, devices or directories)."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {describe_os_error(exc)}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"{path}: not a regular file")
        if st.st_size > limit_bytes:
            raise UsageError(f"{path}: too large ({st.st_size:,} bytes; the limit is {limit_bytes:,})")
        chunks, total = [], 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            total += len(b)
            if total > limit_bytes:
                raise UsageError(f"{path}: too large (over {limit_bytes:,} bytes)")
            chunks.append(b)
        return b"".join(chunks)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {describe_os_error(exc)}") from None
    finally:
        os.close(fd)
