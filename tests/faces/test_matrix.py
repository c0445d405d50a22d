"""Exact threshold search: never a face missed that a full float32 scan finds, no cap,
removals stick, and loading streams into one allocation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bench.crowds import FIXTURES, SOURCES
from likeness.faces import engine
from likeness.faces.matrix import BYTES_PER_FACE, TemplateMatrix

Rng = np.random.Generator


def exact(known: np.ndarray, query: np.ndarray, t: float) -> set[int]:
    """Rows within `t` by a full scan: float64 distances of the float32 values."""
    difference = known.astype(np.float64) - np.asarray(query, np.float32).astype(np.float64)
    return set(np.flatnonzero(np.sqrt((difference**2).sum(axis=1)) <= t).tolist())


def realistic(rng: Rng, people: int, photos: int) -> np.ndarray:
    """Templates shaped like face_recognition's: a common part, people ~0.85 apart,
    photos of one person ~0.4 apart."""
    common = rng.normal(0, 0.09, 128)
    centres = common + rng.normal(0, 0.053, (people, 128))
    return (np.repeat(centres, photos, axis=0)
            + rng.normal(0, 0.025, (people * photos, 128))).astype(np.float32)


def on_sphere(rng: Rng, centre: np.ndarray, radius: float) -> np.ndarray:
    direction = rng.normal(0, 1, 128)
    return (centre + direction / np.linalg.norm(direction) * radius).astype(np.float32)


@pytest.fixture(scope="module")
def rng() -> Rng:
    return np.random.default_rng(2024)


def test_every_template_within_the_threshold_is_found_including_edge_cases(rng: Rng) -> None:
    known = realistic(rng, people=4000, photos=5)
    queries = known[rng.choice(len(known), 40, replace=False)] + rng.normal(0, 0.025, (40, 128))
    # Planted around each query: just inside and just outside 0.6 and 0.4, and one far
    # outside the coding range (|component| > 0.5), which the codes cannot represent.
    planted = [on_sphere(rng, q, t + offset) for q in queries for t in (0.4, 0.6)
               for offset in (-1e-3, -1e-6, 1e-6, 1e-3)]
    wild = known[:5].copy()
    wild[:, 7] = 0.9
    known = np.vstack([known, np.array(planted), wild])
    matrix = TemplateMatrix()
    matrix.append(np.arange(len(known)), known)

    expected = found = 0
    for query in [*queries, *wild]:
        for t in (0.4, 0.6):
            ids, distances = matrix.within(query, t)
            truth = exact(known, query, t)
            assert set(ids.tolist()) == truth
            assert np.all(np.diff(distances) >= 0) and np.all(distances <= t)
            expected += len(truth)
            found += len(truth & set(ids.tolist()))
    assert expected > 500 and found == expected  # match-recall 1.000


def test_within_many_answers_as_within_does(rng: Rng) -> None:
    known = realistic(rng, people=500, photos=4)
    matrix = TemplateMatrix()
    matrix.append(np.arange(len(known)), known)
    queries = known[::50] + rng.normal(0, 0.02, (40, 128)).astype(np.float32)
    batched = matrix.within_many(queries, 0.6)  # 40 queries: more than one scan group
    assert len(batched) == 40
    for query, (ids, distances) in zip(queries, batched, strict=True):
        single_ids, single_distances = matrix.within(query, 0.6)
        np.testing.assert_array_equal(ids, single_ids)
        np.testing.assert_array_equal(distances, single_distances)


def test_results_are_not_capped(rng: Rng) -> None:
    centre = rng.normal(0, 0.09, 128)
    crowd = np.array([on_sphere(rng, centre, r) for r in rng.uniform(0, 0.55, 3000)])
    others = realistic(rng, people=200, photos=3)
    matrix = TemplateMatrix()
    matrix.append(np.arange(3000), crowd)
    matrix.append(np.arange(3000, 3600), others)
    ids, distances = matrix.within(centre, 0.6)
    assert set(range(3000)) <= set(ids.tolist())
    assert len(matrix.within(centre, 10.0)[0]) == 3600


def test_removed_templates_are_never_found_and_the_rest_still_are(rng: Rng) -> None:
    known = realistic(rng, people=300, photos=4)
    known[[10, -1], 3] = 0.8  # outside the coding range: on the always-checked list
    ids = np.arange(1000, 1000 + len(known))
    matrix = TemplateMatrix()
    matrix.append(ids, known)
    chosen = rng.choice(len(ids) - 1, 400, replace=False)  # never the last row: it moves
    gone = ids[chosen].tolist() + [int(ids[10]), 999_999]
    stored = set(gone) - {999_999}
    assert matrix.remove(gone) == len(stored)  # the unknown id is ignored
    assert len(matrix) == len(known) - len(stored)
    assert matrix.remove(gone) == 0

    kept = ~np.isin(ids, gone)
    assert int(ids[-1]) in matrix.within(known[-1], 0.01)[0].tolist()  # moved, still found
    for row in np.flatnonzero(kept)[::37]:
        found = set(matrix.within(known[row], 0.6)[0].tolist())
        truth = {int(ids[i]) for i in exact(known, known[row], 0.6)} - set(gone)
        assert found == truth
    for row in np.flatnonzero(~kept)[:20]:
        assert not set(matrix.within(known[row], 0.6)[0].tolist()) & set(gone)
    # Removed ids can come back (a template re-sealed after a key rotation).
    matrix.append(ids[~kept][:3], known[~kept][:3])
    assert int(ids[~kept][0]) in matrix.within(known[~kept][0], 0.01)[0].tolist()


def test_loading_streams_into_one_reserved_allocation(rng: Rng) -> None:
    known = realistic(rng, people=2500, photos=4)
    matrix = TemplateMatrix()
    matrix.reserve(len(known))
    allocated = matrix.nbytes
    for start in range(0, len(known), 1000):
        matrix.append(np.arange(start, start + 1000), known[start:start + 1000])
    assert matrix.nbytes == allocated == len(known) * BYTES_PER_FACE
    assert matrix.capacity == len(known) == len(matrix)
    # Without a reservation it grows by half each time and still answers exactly.
    grown = TemplateMatrix()
    for start in range(0, len(known), 1000):
        grown.append(np.arange(start, start + 1000), known[start:start + 1000])
    query = known[1234]
    np.testing.assert_array_equal(grown.within(query, 0.6)[0], matrix.within(query, 0.6)[0])


def test_an_empty_matrix_and_bad_input() -> None:
    matrix = TemplateMatrix()
    ids, distances = matrix.within(np.zeros(128), 0.6)
    assert ids.size == 0 and distances.size == 0
    with pytest.raises(ValueError):
        matrix.append([1, 2], np.zeros((3, 128)))
    with pytest.raises(ValueError):
        matrix.append([1], np.full((1, 128), np.nan))


def test_real_templates_find_the_same_person_and_not_the_other(rng: Rng) -> None:
    templates, people = [], []
    for name, boxes in SOURCES.items():
        with Image.open(FIXTURES / name) as photo:
            image = np.asarray(photo.convert("RGB"))
        for index, box in enumerate(boxes):
            templates += engine.encode(image, [engine.Box(*box)])
            biden = name == "biden.jpg" or (name == "two_people.jpg" and index == 0)
            people.append("biden" if biden else "obama")
    strangers = realistic(rng, people=2000, photos=3)
    matrix = TemplateMatrix()
    matrix.append(np.arange(len(templates)), np.array(templates))
    matrix.append(np.arange(100, 100 + len(strangers)), strangers)

    obama = people.index("obama")
    ids, _ = matrix.within(templates[obama], 0.6)
    assert {people[i] for i in ids.tolist()} == {"obama"}
    assert len(ids) == people.count("obama")
