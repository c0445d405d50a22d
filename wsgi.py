"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from likeness.app import create_app

app = create_app()

# The app, its modules and their caches live as long as the process: move them out of
# the cyclic garbage collector's reach, so a full collection during a request (a bulk
# permission answer makes tens of thousands of objects) scans only what requests made.
gc.freeze()
