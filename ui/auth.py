"""Logins for the web app (being written): sessions, the login page, the callback gate."""

from __future__ import annotations

from dataclasses import dataclass

import dash

from ui.state import AppState


@dataclass(frozen=True)
class ServeConfig:
    """How the app is served: what the login and request checks depend on."""

    host: str = "127.0.0.1"
    port: int = 8050
    allowed_hosts: tuple[str, ...] = ()
    """Further Host names the app answers to (the bureau's reverse proxy, e.g. risk.example.gov.cn)."""


def init_app(app: dash.Dash, state: AppState, config: ServeConfig) -> None:
    """Install logins, the request checks and the callback gate on ``app``."""
