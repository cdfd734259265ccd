"""The application layer: one function per workflow, called by the Dash panel and the CLI alike.

A workflow parses and checks its parameters once (errors name the parameter, in the caller's
spelling: ```cell_m``` for the app, ``--cell-m`` for the CLI), composes ``data``, ``layers`` and
``risk``, and returns plain results; the panel turns them into components and map commands, the
command into files and lines on the terminal. Nothing here imports Dash.

- :mod:`ui.workflows.zones`: graded risk zones (influence, grid, administrative units);
- :mod:`ui.workflows.terrain`: dangerous slopes from the DEM with the registered-slope check.
"""
