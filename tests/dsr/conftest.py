from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

LIBRARY = ["obama.jpg", "obama3.jpg", "obama_small.jpg", "two_people.jpg", "biden.jpg"]


@pytest.fixture
def library(app: Flask, upload: Any) -> dict[str, int]:
    """The library of the acceptance test: asset id by file name, all indexed."""
    return dict(zip(LIBRARY, upload(*LIBRARY), strict=True))
