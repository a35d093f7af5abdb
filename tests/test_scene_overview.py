"""What the overview's per-frame shortcuts rely on: each gives what the plain computation gives."""

import numpy as np

from marsviz.scene import scales


def _dmap(rng, n):
    bodies = {f"p{i}": (rng.uniform(-1e8, 1e8, 3), 5000.0, float(rng.uniform(1.0, 1500.0))) for i in range(n)}
    return scales.DisplayMap(bodies, floor=False)


def test_one_index_over_all_legs_finds_what_each_legs_index_finds():
    rng = np.random.default_rng(8)
    # Legs of different lengths (not multiples of the chunk size), points along random walks.
    sets = [np.cumsum(rng.normal(0.0, 3e6, (n, 3)), axis=0) for n in (1, 31, 32, 33, 500, 1234)]
    one = scales.LegsIndex([scales.ChunkIndex(s) for s in sets])
    hits = 0
    for k in range(40):
        dmap = _dmap(rng, 1 + k % 4)
        got = one.split(one.near(dmap))
        assert len(got) == len(sets)
        for s, idx in zip(sets, got):
            assert np.array_equal(idx, scales.ChunkIndex(s).near(dmap))
            hits += len(idx)
    assert hits > 0
    # A map with no planet near anything, and one with no terms at all.
    assert len(one.near(scales.DisplayMap({}, floor=False))) == 0


def test_the_display_map_moves_each_point_alone():
    """Mapping all legs' points in one call draws each where mapping it alone would."""
    rng = np.random.default_rng(9)
    dmap = _dmap(rng, 4)
    centre = dmap.centres[0]
    pts = centre + rng.normal(0.0, 2.0 * np.sqrt(dmap.terms[0][2]), (300, 3))
    both = dmap.apply(pts)
    for i in range(0, 300, 7):
        assert np.array_equal(both[i], dmap.apply(pts[i:i + 1])[0])
