"""Peak memory a single upload adds to a fresh web process, per format and size.

Each case runs in its own process (as a gunicorn worker would), forked from one that
has imported the app and built one app (paid once, not per case): the app is created,
warmed up with one ordinary upload of the same kind, then the case's file is posted
through the real request form (selfies) or given to the library's upload service
(staff photos, ZIP archives). The figure is the growth of the process's peak resident
memory (VmHWM) over the warmed-up process. The baseline printed first is the same
measurement for an ordinary 12 MP phone JPEG selfie; every other case is also shown as a
ratio of it.

Targets (issue 31): an accepted format at ~60 MP adds at most 200 MB per selfie and
600 MB per staff photo; a refused format or size adds under 10 MB.

    .venv/bin/python bench/upload_memory.py [CASE ...]        (default: every case)
    .venv/bin/python bench/upload_memory.py --json CASE       (one case, one JSON line)
"""

from __future__ import annotations

import argparse
import bz2
import json
import os
import select
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIDE = 7700  # 59.3 MP: just under the 60 MP cap
MB = 1024 * 1024


def _png(path: Path, side: int, *, sixteen_bit: bool = False) -> None:
    """A flat PNG (a few hundred KB, whatever it declares)."""
    if sixteen_bit:  # 16-bit RGB
        path.write_bytes(flat_png(side, side, 16, 2, b"\x80\x00\x90\x00\xa0\x00" * side))
    else:  # 8-bit RGBA
        path.write_bytes(flat_png(side, side, 8, 6, b"\x80\x90\xa0\xff" * side))


def flat_png(width: int, height: int, bit_depth: int, color_type: int, row: bytes) -> bytes:
    """A PNG whose every row is `row` (its pixels, packed as the header says), as zlib at
    level 9 writes it: a large image in a small file.

    Deflating every row costs ~1 CPU second per 100 MB of pixels: instead one run of rows
    is deflated on its own (a full flush: nothing after it refers back) and repeated; the
    checksum is of every row."""
    row = b"\x00" + row  # filter type None
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)

    def deflated(rows: int) -> bytes:  # raw deflate, ending on a byte boundary
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return compressor.compress(row * rows) + compressor.flush(zlib.Z_FULL_FLUSH)

    run = max(1, min(100, (1 << 20) // len(row)))
    runs, rest = divmod(height, run)
    checksum = 1
    for _ in range(runs):
        checksum = zlib.adler32(row * run, checksum)
    checksum = zlib.adler32(row * rest, checksum)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty last block
    body = (b"\x78\xda" + deflated(run) * runs + deflated(rest) + final
            + struct.pack(">I", checksum))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body)
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _pillow(path: Path, side: int, fmt: str, **options: Any) -> None:
    from PIL import Image

    image = Image.new("RGB", (side, side), (120, 130, 140))
    image.save(path, fmt, **options)


def lying_bzip2_zip(path: Path, unpacked_mb: int = 256) -> None:
    """A ZIP whose one BZIP2 member unpacks to `unpacked_mb` MB of zeros but declares
    1 KB: a size check on the header alone lets it through."""
    compressor = bz2.BZ2Compressor(9)
    block = bytes(MB)
    packed = b"".join(compressor.compress(block) for _ in range(unpacked_mb))
    packed += compressor.flush()
    # Built by hand (zipfile would write the true size): local header, data, directory.
    name = b"photo.jpg"
    crc, declared = 0, 1024
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 46, 0, zipfile.ZIP_BZIP2, 0, 0x5C21,
                        crc, len(packed), declared, len(name), 0) + name
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 46, 46, 0, zipfile.ZIP_BZIP2, 0,
                          0x5C21, crc, len(packed), declared, len(name), 0, 0, 0, 0, 0,
                          0) + name
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(packed), 0)
    path.write_bytes(local + packed + central + end)


# file: make(path). Cases that post the same file share it (made once per run).
FILES: dict[str, Any] = {
    "phone-jpeg-12mp": lambda p: _pillow_wh(p, 4000, 3000, "JPEG", quality=85),
    "webp-59mp": lambda p: _pillow(p, SIDE, "WEBP", lossless=True, quality=0, method=0),
    "png-59mp": lambda p: _png(p, SIDE),
    "png-40mp": lambda p: _png(p, 6300),
    "png16-59mp": lambda p: _png(p, SIDE, sixteen_bit=True),
    "jpeg-59mp": lambda p: _pillow(p, SIDE, "JPEG", quality=80),
    "progressive-59mp": lambda p: _pillow(p, SIDE, "JPEG", quality=80, progressive=True),
    "progressive444-59mp": lambda p: _pillow(p, SIDE, "JPEG", quality=80, progressive=True,
                                             subsampling=0),
    "zip-lying-bzip2": lambda p: lying_bzip2_zip(p),
}

# name: (kind, what, file); kind "selfie" posts the request form, "photo" and "zip" call
# the staff upload service.
CASES: dict[str, tuple[str, str, str]] = {
    "selfie-phone-jpeg": ("selfie", "12 MP phone JPEG (baseline)", "phone-jpeg-12mp"),
    "selfie-webp-59mp": ("selfie", "lossless WebP, 7700x7700, 38 bytes", "webp-59mp"),
    "selfie-png-59mp": ("selfie", "RGBA PNG, 7700x7700", "png-59mp"),
    "selfie-png-40mp": ("selfie", "RGBA PNG, 6300x6300", "png-40mp"),
    "selfie-png16-59mp": ("selfie", "16-bit RGB PNG, 7700x7700", "png16-59mp"),
    "selfie-jpeg-59mp": ("selfie", "baseline JPEG, 7700x7700", "jpeg-59mp"),
    "selfie-progressive-59mp": ("selfie", "progressive JPEG 4:2:0, 7700x7700",
                                "progressive-59mp"),
    "selfie-progressive444-59mp": ("selfie", "progressive JPEG 4:4:4, 7700x7700",
                                   "progressive444-59mp"),
    "selfies-8-parallel-59mp": ("selfie8", "8 progressive 4:2:0 JPEG selfies at once, 7700x7700",
                                "progressive-59mp"),
    "photo-jpeg-59mp": ("photo", "staff photo, baseline JPEG, 7700x7700", "jpeg-59mp"),
    "zip-lying-bzip2": ("zip", "ZIP, BZIP2 member of 256 MB declaring 1 KB", "zip-lying-bzip2"),
}


def _pillow_wh(path: Path, width: int, height: int, fmt: str, **options: Any) -> None:
    from PIL import Image

    Image.new("RGB", (width, height), (120, 130, 140)).save(path, fmt, **options)


_SERVER = r"""
import atexit, io, json, os, re, shutil, sys, traceback
from pathlib import Path
from flask_migrate import upgrade
from likeness.app import create_app
from likeness.extensions import db

def peak_kb():
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))

def measure_case(case, kind, path, warm, config, template_db):
    if kind in ("selfie", "selfie8"):  # the request form needs the schema: a migrated copy
        shutil.copyfile(template_db, config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    app = create_app(config)
    if kind in ("selfie", "selfie8"):
        def run_one(data, n):
            client = app.test_client()
            response = client.post("/request", data={
                "type": "access", "name": "Dana", "email": f"dana{n}@example.org",
                "details": "", "language": "en", "selfie_consent": "y",
                "selfie": (io.BytesIO(data), "selfie")}, content_type="multipart/form-data")
            page = response.get_data(as_text=True)
            summary = page.split('id="error-summary"', 1)[-1] if "error-summary" in page else ""
            found = re.search(r"<li>(?:<a [^>]*>)?([^<]+)", summary)
            return response.status_code, (found.group(1).strip() if found else "")
        def run(data, n):
            if kind == "selfie":
                return run_one(data, n)
            from concurrent.futures import ThreadPoolExecutor
            with ThreadPoolExecutor(8) as pool:  # eight visitors posting at the same moment
                results = list(pool.map(lambda i: run_one(data, n * 10 + i), range(8)))
            statuses = sorted({status for status, _message in results})
            return statuses[-1], "; ".join(sorted({m for _s, m in results if m}))
        run(Path(warm).read_bytes(), 0)
        run(b"not an image at all", 1)  # the error page, rendered once
    else:
        from likeness.library import upload
        from likeness.library.imaging import decode_upload
        from likeness.errors import DomainError
        from likeness.platform.actor import SYSTEM
        def run(data, n):
            with app.test_request_context():
                if kind == "photo":
                    try:
                        decoded = decode_upload(data)
                        decoded.encoded()
                        return 200, ""
                    except DomainError as exc:
                        return 400, exc.message
                try:
                    results = list(upload.add_zip(data, actor=SYSTEM))
                except DomainError as exc:
                    return 400, exc.message
                errors = [r.error for r in results if r.error]
                return (400 if errors else 200), "; ".join(errors)
        run(Path(warm).read_bytes(), 0)
    data = Path(path).read_bytes()
    before = peak_kb()
    status, message = run(data, 2)
    peak = peak_kb()
    return {"case": case, "status": status, "message": message, "bytes": len(data),
            "before_kb": before, "peak_kb": peak, "added_mb": (peak - before) / 1024}

def end():
    # What exiting runs (exiftool is told to stop), without the ~0.5 CPU seconds of
    # tearing the interpreter down.
    atexit._run_exitfuncs()
    os._exit(0)

# The first app in a process pays for the imports and the compiled templates, the same
# for every case: paid once here. Each case then runs in a process forked from this one,
# whose peak resident memory starts at what it inherits.
template_db = sys.argv[1]
app = create_app(json.loads(sys.argv[2]))
with app.app_context():
    upgrade()
    db.engine.dispose()
del app
for line in sys.stdin:
    request = json.loads(line)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            answer = {"figures": measure_case(template_db=template_db, **request)}
        except BaseException:
            answer = {"error": traceback.format_exc()}
        with os.fdopen(write, "w") as pipe:
            pipe.write(json.dumps(answer))
        end()
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    print(answer or json.dumps({"error": f"the case's process ended with status {status}"}),
          flush=True)
end()
"""


def _config(run_dir: Path, redis_url: str, queue: str) -> dict[str, Any]:
    return {
        "ENV_NAME": "testing", "TESTING": True, "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "INSTANCE_PATH": str(run_dir / "instance"),
        "REDIS_URL": redis_url, "RQ_QUEUE": queue,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{run_dir / 'web.db'}",
    }


class Measurer:
    """Runs cases, each in a fresh process forked from one that has loaded the app once.

    Starting Python and importing and building the app cost ~4 CPU seconds a case, the
    same every time and before the measurement starts; forking keeps each case's memory
    its own (the figure is the growth of that process's peak) without paying it again.
    """

    def __init__(self, workdir: Path, redis_url: str) -> None:
        self.workdir = workdir
        self.redis_url = redis_url
        server_dir = Path(tempfile.mkdtemp(dir=workdir))
        self._log = server_dir / "server.log"
        with self._log.open("w") as log:
            self._server = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
                [sys.executable, "-c", _SERVER, str(server_dir / "web.db"),
                 json.dumps(_config(server_dir, redis_url, "memory-server"))],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                text=True)

    def measure(self, case: str, timeout: float = 600) -> dict[str, Any]:
        """Run one case in a process of its own; its figures as a dict."""
        kind, _what, file = CASES[case]
        path = self.workdir / file
        if not path.exists():
            FILES[file](path)
        warm = self.workdir / f"warm-{kind}"
        if not warm.exists():
            if kind == "zip":
                with zipfile.ZipFile(warm, "w") as archive:
                    archive.writestr("readme.txt", b"not a photo")
            else:
                _pillow_wh(warm, 800, 600, "JPEG", quality=85)
        run_dir = Path(tempfile.mkdtemp(dir=self.workdir))
        request = {"case": case, "kind": kind, "path": str(path), "warm": str(warm),
                   "config": _config(run_dir, self.redis_url, f"memory-{case}")}
        assert self._server.stdin is not None and self._server.stdout is not None
        self._server.stdin.write(json.dumps(request) + "\n")
        self._server.stdin.flush()
        ready, _, _ = select.select([self._server.stdout], [], [], timeout)
        line = self._server.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise RuntimeError(f"{case}: no answer\n{self._log.read_text()[-3000:]}")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{case} failed:\n{answer['error'][-3000:]}")
        figures: dict[str, Any] = answer["figures"]
        return figures

    def close(self) -> None:
        if self._server.stdin is not None:
            self._server.stdin.close()
        try:
            self._server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._server.kill()
            self._server.wait()
        if self._server.stdout is not None:
            self._server.stdout.close()

    def __enter__(self) -> Measurer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from likeness.platform import embedded_redis

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        redis_url = os.environ.get("REDIS_URL") or embedded_redis.ensure_running(
            workdir / "redis")
        try:
            with Measurer(workdir, redis_url) as measurer:
                if args.json:
                    for case in args.cases:
                        print(json.dumps(measurer.measure(case)))
                    return
                baseline = measurer.measure("selfie-phone-jpeg")["added_mb"]
                print(f"{'case':26} {'file':>9} {'status':>6} {'added MB':>9} {'x base':>7}")
                for case in args.cases:
                    figures = measurer.measure(case)
                    ratio = figures["added_mb"] / baseline if baseline > 0 else float("nan")
                    print(f"{case:26} {figures['bytes']:>9} {figures['status']:>6} "
                          f"{figures['added_mb']:>9.1f} {ratio:>7.1f}  "
                          f"(process peak {figures['peak_kb'] // 1024} MB) "
                          f"{figures['message'][:60]}", flush=True)
        finally:
            if not os.environ.get("REDIS_URL"):
                embedded_redis.stop(workdir / "redis")


if __name__ == "__main__":
    main()
