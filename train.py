"""`python train.py --help`: the same as `quotestance train` (see model/cli.py)."""
import sys

from model.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
