"""`python predict.py --help`: the same as `quotestance predict` (see model/cli.py)."""
import sys

from model.cli import main

if __name__ == "__main__":
    sys.exit(main(["predict", *sys.argv[1:]]))
