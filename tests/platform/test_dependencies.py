"""The lock is what runs: it agrees with pyproject.toml, leaves dlib out, and a dependency's
import-time warning cannot become an exception in a worker run with PYTHONWARNINGS=error."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.split(r"[\[<>=!~;@ ]", requirement, maxsplit=1)[0])


def _lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_lock_leaves_dlib_out() -> None:
    # face_recognition declares dlib, which compiles from source for many minutes; the
    # prebuilt dlib-bin provides the module. A lock with dlib in it would build it.
    locked = {_normalise(package["name"]) for package in _lock()["package"]}
    assert "dlib" not in locked
    assert {"dlib-bin", "face-recognition", "face-recognition-models"} <= locked


def test_every_declared_dependency_is_locked_with_hashes() -> None:
    project = _project()["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    packages = {_normalise(package["name"]): package for package in _lock()["package"]}
    missing = sorted({_requirement_name(r) for r in declared} - set(packages))
    assert missing == [], f"in pyproject.toml but not in uv.lock (run `make lock`): {missing}"
    for name in {_requirement_name(r) for r in declared}:
        package = packages[name]
        artifacts = [*package.get("wheels", [])]
        artifacts += [package["sdist"]] if "sdist" in package else []
        assert artifacts and all(a["hash"].startswith("sha256:") for a in artifacts), name


def test_the_lock_records_what_pyproject_asks() -> None:
    # uv writes the requirements it resolved into the lock; they must be pyproject's own.
    # (`uv sync --locked` in the Makefile refuses a stale lock as well.)
    lock = _lock()
    root = next(p for p in lock["package"] if p.get("source", {}).get("virtual") == ".")
    locked_requirements = {_normalise(r["name"]) for r in root["metadata"]["requires-dist"]}
    project = _project()["project"]
    declared = {_requirement_name(r) for r in project["dependencies"]}
    declared |= {_requirement_name(r) for r in project["optional-dependencies"]["test"]}
    assert locked_requirements == declared


def test_a_worker_with_warnings_as_errors_imports_and_signs(tmp_path: Path) -> None:
    # A production worker run with PYTHONWARNINGS=error imports pyHanko (PDF signing) and
    # face_recognition: their known import-time warnings must not become exceptions.
    script = f"INSTANCE = {str(tmp_path)!r}\n" + (
        "from likeness.app import create_app\n"
        "from weasyprint import HTML\n"
        "from likeness.platform import pdf_signing\n"
        "from likeness.faces import engine\n"
        "app = create_app({'TESTING': True, 'INSTANCE_PATH': INSTANCE,\n"
        "                  'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "with app.app_context():\n"
        "    signed = pdf_signing.sign(HTML(string='<p>hello</p>').write_pdf())\n"
        "engine.preload()\n"
        "print('signed', len(signed) > 1000)\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "error", "LIKENESS_ENV": "testing"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "signed True" in result.stdout
