"""`python evaluate.py --help`: the same as `quotestance evaluate` (see model/cli.py)."""
import sys

from model.cli import main

if __name__ == "__main__":
    sys.exit(main(["evaluate", *sys.argv[1:]]))
