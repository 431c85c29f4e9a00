"""WSGI entry point for gunicorn: `gunicorn -c gunicorn_config.py github_app.wsgi:app`."""

from github_app import create_app
from morningai.logs import configure_logging

configure_logging()
app = create_app()
