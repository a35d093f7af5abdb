"""`marsviz --info`: what a bug report needs."""

import os
import re
from pathlib import Path

from tests.conftest import run_cli


def test_info_names_versions_renderer_ffmpeg_and_files():
    import imageio_ffmpeg

    from marsviz import __version__
    from marsviz.mission.ephemeris import de421_path

    res = run_cli("--info")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.splitlines()[0] == f"marsviz {__version__}"
    assert re.search(r"^packages: .*vtk \d.*pyvista \d.*dask \d", out, re.M)
    assert re.search(r"^OpenGL: .+ \(.+; .+\)$", out, re.M)
    m = re.search(r"^off-screen backend: (vtk\w+RenderWindow), (software|GPU) rendering$", out, re.M)
    assert m, out
    assert f"ffmpeg: {imageio_ffmpeg.get_ffmpeg_version()} at {imageio_ffmpeg.get_ffmpeg_exe()}" in out
    assert f"ephemeris file: {de421_path()}" in out and de421_path().is_file()
    from marsviz.mission.cache import shipped_path

    assert f"shipped plan: {shipped_path()}\n" in out
    assert f"plan cache directory: {Path(os.environ['MARSVIZ_CACHE_DIR']) / 'plans'}" in out
