"""No upload costs more than a fixed memory budget (issue 31).

Each case runs in a fresh process (as a gunicorn worker would; forked from one that has
loaded the app once) through the real request form or the staff upload service, and reads
that process's peak resident memory before and after (bench/upload_memory.py, which
prints the same figures). Targets: an accepted
format at ~60 MP adds at most 200 MB per selfie and 600 MB per staff photo; a refused
format or size costs under 10 MB and says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.upload_memory import Measurer


@pytest.fixture(scope="module")
def measurer(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Measurer]:
    with Measurer(tmp_path_factory.mktemp("upload-memory"), redis_url) as measurer:
        yield measurer


@pytest.mark.parametrize(("case", "explained_by"), [
    # 38 bytes that declare 59 MP: libwebp would hold ~16 bytes per pixel (~900 MB).
    ("selfie-webp-59mp", "too large to read as WebP"),
    ("selfie-png-59mp", "too large to read as PNG"),
    ("selfie-png16-59mp", "too large to read as PNG"),
    # Progressive: every DCT coefficient is kept, whatever the output scale (4:4:4:
    # 6 bytes a pixel).
    ("selfie-progressive444-59mp", "too large to read as JPEG"),
    # BZIP2 unpacks a whole read at once: 324 bytes became 500 MB before the fix.
    ("zip-lying-bzip2", "compressed in a way we do not accept"),
])
def test_a_refused_upload_costs_under_10_mb_and_says_why(
    measurer: Measurer, case: str, explained_by: str
):
    figures: dict[str, Any] = measurer.measure(case)
    print(f"\n{case}: {figures['bytes']} bytes, +{figures['added_mb']:.1f} MB")
    assert figures["status"] == 400
    assert explained_by in figures["message"]
    assert figures["added_mb"] < 10


@pytest.mark.parametrize(("case", "budget_mb"), [
    ("selfie-jpeg-59mp", 200),  # decoded at 1/4 scale by the JPEG decoder itself
    ("selfie-progressive-59mp", 200),  # 4:2:0: 3 bytes a pixel of coefficients
    ("selfie-png-40mp", 200),  # PNG cannot decode reduced: within its pixel limit
    ("photo-jpeg-59mp", 600),  # staff photo: decoded whole, stored re-encoded
])
def test_an_accepted_large_upload_stays_within_its_budget(
    measurer: Measurer, case: str, budget_mb: int
):
    figures: dict[str, Any] = measurer.measure(case)
    print(f"\n{case}: {figures['bytes']} bytes, +{figures['added_mb']:.1f} MB")
    assert figures["status"] == 200, figures["message"]
    assert figures["added_mb"] < budget_mb


def test_eight_large_selfies_at_once_keep_the_web_process_under_1_gb(
    measurer: Measurer
):
    figures: dict[str, Any] = measurer.measure("selfies-8-parallel-59mp")
    print(f"\n8 parallel 59 MP selfies: +{figures['added_mb']:.1f} MB, process peak "
          f"{figures['peak_kb'] // 1024} MB; {figures['message']}")
    # Each is accepted, or (when the decode budget stays taken for 30 s) told to retry.
    assert figures["status"] == 200 or "try again in a minute" in figures["message"]
    assert figures["peak_kb"] < 1024 * 1024
