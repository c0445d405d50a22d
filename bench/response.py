"""The access answer for a person in many photos: drafting its PDF and export ZIP.

A fresh instance (SQLite in a temporary folder) gets N photos of one person: the shared
`obama.jpg` scaled to the chosen size, each with a little noise so every photo is its own
asset, uploaded through the real upload code, with the person's face tagged. An access
request for that person is registered, linked, its identity check recorded, every match
confirmed and carried out. Then, alternating per round:

- baseline: decoding every stored original and encoding it once as JPEG, the least any
  answer with a copy of each photo has to do;
- ours: `likeness.dsr.answer.render_answer`, the job that drafts the PDF (60 photos shown) and the
  ZIP (every photo, other faces blurred, data.json).

Prints the medians, the ratio, and the file sizes. The README's target is 200 photos of
1280 px in under 5 s; 24 MP originals are reported separately (`--long-side 6000`).

    .venv/bin/python bench/response.py [--photos N] [--long-side PX] [--rounds R]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from flask_migrate import upgrade  # noqa: E402

from likeness.app import create_app  # noqa: E402
from likeness.dsr import actions, answer, identity, intake, links, locate  # noqa: E402
from likeness.extensions import db  # noqa: E402
from likeness.faces import engine  # noqa: E402
from likeness.library import people, upload  # noqa: E402
from likeness.models import Asset, Face, Match, SubjectRequest  # noqa: E402
from likeness.platform.actor import CLI  # noqa: E402
from likeness.platform.storage import asset_path, instance_dir  # noqa: E402
from likeness.staff import accounts  # noqa: E402

PHOTO = ROOT / "tests" / "fixtures" / "obama.jpg"


def photos(count: int, long_side: int) -> tuple[list[bytes], tuple[int, int, int, int]]:
    """`count` distinct JPEGs of the photo at `long_side`, and the face box on them."""
    with Image.open(PHOTO) as source:
        image = source.convert("RGB")
    scale = long_side / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)))
    pixels = np.asarray(image)
    # The man's face: the largest box (scaled up, the photo can show a false one too).
    box = max(engine.detect(pixels), key=lambda b: (b.right - b.left) * (b.bottom - b.top))
    rng = np.random.default_rng(7)
    made = []
    for _ in range(count):
        noisy = np.clip(pixels.astype(np.int16) + rng.integers(-2, 3, pixels.shape), 0, 255)
        buffer = io.BytesIO()
        Image.fromarray(noisy.astype(np.uint8)).save(buffer, "JPEG", quality=90)
        made.append(buffer.getvalue())
    return made, (box.top, box.right, box.bottom, box.left)


def prepare(count: int, long_side: int) -> int:
    """The library, the person and the carried-out request; returns the request id."""
    officer, _password = accounts.create_staff("officer@example.org", "privacy_officer")
    person = people.create("Barack Example", actor=CLI, email="barack@example.org")
    data, (top, right, bottom, left) = photos(count, long_side)
    for number, jpeg in enumerate(data):
        result = upload.add_photo(jpeg, f"event-{number:03d}.jpg", actor=CLI)
        assert result.asset_id is not None, result.error
        db.session.add(Face(asset_id=result.asset_id, top=top, right=right, bottom=bottom,
                            left=left, person_id=person.id, tag_source="confirmed"))
        db.session.get(Asset, result.asset_id).status = "indexed"
    db.session.commit()
    request = intake.register(intake.Registration(
        type="access", name="Barack Example", received_via="email",
        received_at=datetime.now(UTC), details="Every photo of me", language="en",
        email="barack@example.org"), actor=officer)
    intake.verify(links.verification_token(request))  # the address, confirmed by link
    locate.link_person(request.id, person.id, actor=officer)
    identity.record_identity_check(request.id, method="in_person", outcome="confirmed",
                                   why="Bench: the person came in and was compared",
                                   actor=officer)
    for face in db.session.query(Face).filter(Face.person_id == person.id):
        db.session.add(Match(request_id=request.id, face_id=face.id, distance=0.0,
                             decision="confirmed"))
    db.session.get(SubjectRequest, request.id).search_status = "done"  # matched by hand
    db.session.commit()
    actions.perform(request.id, actor=officer)
    return request.id


def baseline(request_id: int) -> None:
    """Decode each original and encode it once: the floor for any answer with copies."""
    for asset in db.session.query(Asset):
        with Image.open(asset_path(asset.sha256)) as stored:
            stored.convert("RGB").save(io.BytesIO(), "JPEG", quality=85)


def ours(request_id: int) -> None:
    request = db.session.get(SubjectRequest, request_id)
    request.response_pdf_path = None  # draft it again, from scratch
    request.export_zip_path = None
    db.session.commit()
    answer.render_answer(request_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--long-side", type=int, default=1280)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"ENV_NAME": "testing", "INSTANCE_PATH": f"{folder}/instance",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                          "FACE_KEY_FILE": f"{folder}/face-keys.json",
                          "RQ_QUEUE": "bench-response"})
        with app.app_context():
            upgrade()
            request_id = prepare(args.photos, args.long_side)
            times: dict[str, list[float]] = {"baseline": [], "ours": []}
            for round_ in range(args.rounds):
                order = [baseline, ours] if round_ % 2 == 0 else [ours, baseline]
                for step in order:
                    began = time.perf_counter()
                    step(request_id)
                    times["baseline" if step is baseline else "ours"].append(
                        time.perf_counter() - began)
            request = db.session.get(SubjectRequest, request_id)
            pdf = (instance_dir() / request.response_pdf_path).stat().st_size
            archive = (instance_dir() / request.export_zip_path).stat().st_size
            b, o = statistics.median(times["baseline"]), statistics.median(times["ours"])
            print(f"access answer, {args.photos} photos of {args.long_side} px "
                  f"(medians of {args.rounds}):")
            print(f"  baseline (decode + encode each original once): {b:6.2f} s")
            print(f"  likeness answer (PDF {pdf / 1e6:.1f} MB + ZIP {archive / 1e6:.1f} MB): "
                  f"{o:6.2f} s")
            print(f"  answer / baseline: {o / b:.2f}x")


if __name__ == "__main__":
    main()
