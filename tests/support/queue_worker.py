"""`flask worker` for tests about the job queue rather than faces: the same worker, less
the face models, face detection processes and scan kernels it loads when it starts.

A worker loads those at start (`likeness.platform.worker.on_worker_start`): the worker
and one detection process per core each import dlib and load its models, most of a
worker's start-up and several seconds of CPU, for jobs (mail, PDFs, webhooks) that never
look at a face. Everything else about the worker
is unchanged (requeueing what a dead worker left, the outbox catch-up, RQ), and a job
that does need the models still gets them: they then load at first use.

`python -m tests.support.queue_worker [--search] [--burst]` runs `flask worker`
(`--search`: a search worker, which keeps the scan kernels it searches with); a test's
own worker script calls `skip_face_models()` before `run_worker()`.
"""

from __future__ import annotations

import sys


def skip_face_models(*, search: bool = False) -> None:
    """Leave the face models' start hooks out of the next `run_worker()` in this process;
    with `search`, only the detection models (a search worker keeps its scan kernels)."""
    import likeness.library.indexing
    import likeness.library.search  # noqa: F401  (these two register the hooks)
    from likeness.faces import engine, matrix, workers
    from likeness.platform import worker

    heavy = {engine.preload, workers.shared_pool} | (set() if search else {matrix.preload})
    worker._START_HOOKS[:] = [hook for hook in worker._START_HOOKS if hook not in heavy]


def main() -> None:
    from flask.cli import main as flask_main

    arguments = sys.argv[1:]
    search = "--search" in arguments
    skip_face_models(search=search)
    sys.argv = ["flask", "worker", *(a for a in arguments if a != "--search")]
    flask_main()


if __name__ == "__main__":
    main()
