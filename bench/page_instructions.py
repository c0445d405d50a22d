"""Instructions per request for the anonymous pages, commits side by side (callgrind).

Wall-clock requests/s (bench/pages.py) move with whatever else the machine runs; the
number of instructions a request executes does not. Each commit gets its own checkout
and SQLite database (as in bench/pages.py), and one process under
`valgrind --tool=callgrind` fetches each page through Flask's test client (no cookies:
a new visitor each time) after a warm-up and a garbage collection (the objects then
alive frozen, so no full collection of the app's own objects falls into one window
and not another); only the fetches are counted (callgrind's
client requests, from a tiny C library built here with gcc against valgrind's header).
Needs valgrind (with its header, /usr/include/valgrind/callgrind.h) and gcc.

With `--staff`, also the staff pages of bench/pages.py (queue, case page, photo page, on
the same seeded data), fetched by one privacy officer logged in with password and code,
on the commits that have the second factor.

    .venv/bin/python bench/page_instructions.py [--against 83538de] [--requests 30] [--staff]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (  # noqa: E402 (this folder's module)
    PASSWORD,
    ROOT,
    SIMPLE_PAGES,
    STAFF_PAGES,
    Stack,
    checkout,
    has_two_factor,
)

TOGGLE_C = r"""
#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS;
                      CALLGRIND_TOGGLE_COLLECT; }
void cg_stop(const char *name) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS_AT(name);
                                 CALLGRIND_STOP_INSTRUMENTATION; }
"""

DRIVER = r"""
import ctypes, gc, json, re, sys
sys.path.insert(0, ".")
from wsgi import app
toggle = ctypes.CDLL(sys.argv[1])
count = int(sys.argv[2])
seed, staff_pages = json.loads(sys.argv[3]), json.loads(sys.argv[4])
officer = app.test_client()
if staff_pages:
    import pyotp
    def post(path, form):
        page = officer.get(path).get_data(as_text=True)
        form["csrf_token"] = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page).group(1)
        return officer.post(path, data=form)
    post("/admin/login", {"email": "officer@example.org", "password": seed["password"]})
    done = post("/admin/login/code", {"code": pyotp.TOTP(seed["secret"]).now()})
    assert "/login" not in done.headers.get("Location", "/login"), "the officer is not in"
def fetch(page):
    # A staff page (its ids from the seed) in the officer's session; any other page as a
    # new visitor without cookies.
    client = officer if page in staff_pages else app.test_client()
    response = client.get(page.format(**seed))
    assert response.status_code == 200, (page, response.status_code)
for page in sys.argv[5:]:
    for _ in range(10):
        fetch(page)
    # A full collection of the whole app's objects in one window and not in another
    # would be most of the difference: start each window from the same state.
    gc.collect()
    gc.freeze()
    toggle.cg_start()
    for _ in range(count):
        fetch(page)
    toggle.cg_stop(page.encode())
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is needed (apt-get install valgrind gcc)")
    return path


def measure(stack: Stack, library: Path, pages: list[str], count: int,
            staff_pages: list[str]) -> dict[str, int]:
    out = stack.instance / "callgrind.out"
    seed = {**(stack.seed or {}), "password": PASSWORD}
    done = subprocess.run(  # noqa: S603 (valgrind and our own interpreter)
        [tool("valgrind"), "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
         f"--callgrind-out-file={out}", sys.executable, "-c", DRIVER, str(library),
         str(count), json.dumps(seed), json.dumps(staff_pages), *pages, *staff_pages],
        cwd=stack.tree, env=stack.env(), capture_output=True, text=True, timeout=3600)
    if done.returncode:
        raise SystemExit(f"{stack.name}: the fetches failed\n{done.stderr[-3000:]}")
    counts = {}
    for dump in sorted(stack.instance.glob("callgrind.out.*")):
        text = dump.read_text(errors="replace")
        page = re.search(r"Client Request: (\S+)", text)
        total = re.search(r"^summary: (\d+)", text, re.MULTILINE)
        if page and total:
            counts[page.group(1)] = int(total.group(1)) // count
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", action="append",
                        help="commits to compare with the working tree (default: 83538de)")
    parser.add_argument("--requests", type=int, default=30, help="counted fetches per page")
    parser.add_argument("--staff", action="store_true",
                        help="also the staff pages, on commits with the second factor")
    args = parser.parse_args()
    revisions = [*(args.against or ["83538de"]), "."]
    folder = Path(tempfile.mkdtemp(prefix="likeness-instructions-"))
    library = folder / "toggle.so"
    (folder / "toggle.c").write_text(TOGGLE_C)
    subprocess.run([tool("gcc"), "-O1", "-shared", "-fPIC", "-o", str(library),  # noqa: S603
                    str(folder / "toggle.c")], check=True)
    results: dict[str, dict[str, int]] = {}
    try:
        for number, revision in enumerate(revisions):
            tree = checkout(revision, folder)
            stack = Stack(revision if revision != "." else "this tree", tree,
                          folder / f"instance-{number}")
            stack.instance.mkdir(parents=True)
            stack.upgrade()
            staff_pages = list(STAFF_PAGES if args.staff and has_two_factor(tree) else ())
            if staff_pages:
                stack.add_staff_data()
            try:
                results[stack.name] = measure(stack, library, list(SIMPLE_PAGES),
                                              args.requests, staff_pages)
            finally:
                stack.stop_redis()
    finally:
        for revision in revisions:
            tree = folder / f"tree-{revision}"
            if revision != "." and tree.exists():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove",  # noqa: S603,S607
                                "--force", str(tree)], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
    names = list(results)
    print(f"instructions per request (callgrind, test client, {args.requests} fetches), "
          f"ratio to {names[0]} (a staff page's: to the first commit that has it)")
    for page in (*SIMPLE_PAGES, *STAFF_PAGES):
        measured = [name for name in names if page in results[name]]
        if not measured:
            continue
        first = results[measured[0]][page]
        cells = [f"{name} {results[name][page] / 1e6:.2f}M ({results[name][page] / first:.2f}x)"
                 for name in measured]
        # A staff page's ratio is to the first commit that has it.
        print(f"  {page:30} " + ", ".join(cells))


if __name__ == "__main__":
    main()
