"""WSGI entry point for gunicorn: `gunicorn -c gunicorn_config.py web.wsgi:app`."""

from core.logs import configure_logging
from web import create_app

configure_logging()
app = create_app()
