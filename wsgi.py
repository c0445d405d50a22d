"""WSGI entry point: `gunicorn wsgi:app`."""

from likeness.app import create_app

app = create_app()
