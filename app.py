"""Thin entry point: ``python app.py`` serves the default dataset (see ``riskmap serve --help``)."""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
