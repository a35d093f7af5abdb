"""The one module every write goes through: atomic, exclusive, no-clobber."""

from __future__ import annotations

import os

import pytest

from marsviz import safeio
from marsviz.errors import OutputError, UsageError


def test_new_file_is_written_and_no_temporary_is_left(tmp_path):
    safeio.write_text(tmp_path / "a.txt", "hello")
    assert (tmp_path / "a.txt").read_text() == "hello"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_existing_file_is_never_replaced_without_overwrite(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_bytes(b"user data")
    with pytest.raises(safeio.Clobber, match="mine.toml: already exists"):
        safeio.write_bytes(f, b"new")
    assert f.read_bytes() == b"user data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]
    safeio.write_bytes(f, b"new", overwrite=True)
    assert f.read_bytes() == b"new"


def test_a_symlink_at_the_destination_is_not_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    link = tmp_path / "out.srt"
    link.symlink_to(victim)
    with pytest.raises(safeio.Clobber):
        safeio.write_text(link, "x")
    with pytest.raises(OutputError, match="not a regular file"):
        safeio.write_text(link, "x", overwrite=True)
    assert victim.read_bytes() == b"precious"


def test_temporary_names_are_unpredictable_and_exclusive(tmp_path):
    a, b = safeio.temp_path(tmp_path / "x.mp4"), safeio.temp_path(tmp_path / "x.mp4")
    assert a != b and a.parent == tmp_path and a.name.startswith(".marsviz-x.mp4.")
    fd, tmp = safeio.create_temp(tmp_path / "x.mp4")
    os.close(fd)
    assert oct(os.stat(tmp).st_mode & 0o777) == oct(0o600)


def test_failure_inside_the_block_removes_the_temporary_and_leaves_no_final(tmp_path):
    final = tmp_path / "v.mp4"
    with pytest.raises(RuntimeError):
        with safeio.atomic_path(final) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("encoder died")
    assert list(tmp_path.iterdir()) == []


def test_sweep_removes_only_marsviz_temporaries(tmp_path):
    fd, tmp = safeio.create_temp(tmp_path / "f.png")
    os.close(fd)
    (tmp_path / ".other.part").write_text("keep")
    assert safeio.sweep_temporaries(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.part"]


def test_read_limited_refuses_fifos_directories_and_large_files(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="pipe.toml: not a regular file"):
        safeio.read_limited(fifo, 100)
    with pytest.raises(UsageError, match="not a regular file"):
        safeio.read_limited(tmp_path, 100)
    big = tmp_path / "big.toml"
    big.write_bytes(b"x" * 101)
    with pytest.raises(UsageError, match=r"big.toml: too large \(101 bytes; the limit is 100\)"):
        safeio.read_limited(big, 100)
    assert safeio.read_limited(big, 101) == b"x" * 101
