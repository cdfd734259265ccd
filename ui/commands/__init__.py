"""One module per ``riskmap`` subcommand; each defines ``add_parser(subparsers)``.

``add_parser`` creates the subparser and sets ``func`` (called with the parsed args; returns an
exit code). :mod:`ui.cli` lists the modules in :data:`ui.cli.COMMANDS`.
"""
