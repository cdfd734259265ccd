"""User interfaces: the Dash web app (:mod:`ui.app`) and the ``riskmap`` command line (:mod:`ui.cli`).

Only this package imports Dash; ``risk/``, ``layers/`` and ``data/`` stay plain functions.
"""
