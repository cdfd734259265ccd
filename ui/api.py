"""The JSON API under ``/api/v1`` (being written)."""

from __future__ import annotations

import flask

from ui.state import AppState


def init_app(server: flask.Flask, state: AppState) -> None:
    """Register the ``/api/v1`` routes on ``server``."""
