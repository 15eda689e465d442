import sys

from xaso.cli import main

sys.exit(main(["agent", *sys.argv[1:]]))
