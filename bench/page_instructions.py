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

    .venv/bin/python bench/page_instructions.py [--against 83538de] [--requests 30]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import ROOT, SIMPLE_PAGES, Stack, checkout  # noqa: E402 (this folder's module)

TOGGLE_C = r"""
#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS;
                      CALLGRIND_TOGGLE_COLLECT; }
void cg_stop(const char *name) { CALLGRIND_TOGGLE_COLLECT; CALLGRIND_DUMP_STATS_AT(name);
                                 CALLGRIND_STOP_INSTRUMENTATION; }
"""

DRIVER = r"""
import ctypes, gc, sys
sys.path.insert(0, ".")
from wsgi import app
toggle = ctypes.CDLL(sys.argv[1])
count = int(sys.argv[2])
def fetch(path):
    response = app.test_client().get(path)
    assert response.status_code == 200, (path, response.status_code)
for path in sys.argv[3:]:
    for _ in range(10):
        fetch(path)
    # A full collection of the whole app's objects in one window and not in another
    # would be most of the difference: start each window from the same state.
    gc.collect()
    gc.freeze()
    toggle.cg_start()
    for _ in range(count):
        fetch(path)
    toggle.cg_stop(path.encode())
"""


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SystemExit(f"{name} is needed (apt-get install valgrind gcc)")
    return path


def measure(stack: Stack, library: Path, pages: list[str], count: int) -> dict[str, int]:
    out = stack.instance / "callgrind.out"
    subprocess.run(  # noqa: S603 (valgrind and our own interpreter)
        [tool("valgrind"), "--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no",
         f"--callgrind-out-file={out}", sys.executable, "-c", DRIVER, str(library),
         str(count), *pages],
        cwd=stack.tree, env=stack.env(), check=True, capture_output=True, timeout=3600)
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
            try:
                results[stack.name] = measure(stack, library, list(SIMPLE_PAGES),
                                              args.requests)
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
          f"ratio to {names[0]}")
    for page in SIMPLE_PAGES:
        first = results[names[0]].get(page)
        cells = [f"{name} {results[name][page] / 1e6:.2f}M"
                 + (f" ({results[name][page] / first:.2f}x)" if first else "")
                 for name in names if page in results[name]]
        print(f"  {page:14} " + ", ".join(cells))


if __name__ == "__main__":
    main()
