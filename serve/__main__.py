"""`python -m serve [--host 127.0.0.1] [--port 8000] [--model-dir artifacts] [--fp32]`: the endpoint under uvicorn."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def serve(model_dir: str, host: str, port: int, int8: bool = True) -> int:
    import uvicorn

    from model.pipeline import STAGE1_DIR, STANCE_DIR
    from serve.app import create_app

    for sub in (STAGE1_DIR, STANCE_DIR):
        if not (Path(model_dir) / sub).is_dir():
            print(f"error: no trained models in {model_dir}/{sub}: run `python train.py --out {model_dir}` first",
                  file=sys.stderr)
            return 2
    uvicorn.run(create_app(model_dir, int8=int8), host=host, port=port, log_level="info")
    return 0


def main(argv: list[str] | None = None) -> int:
    from model.cli import add_serve_args, keep_freed_memory, run_serve

    ap = argparse.ArgumentParser(prog="python -m serve", description="the quotestance endpoint and demo page")
    add_serve_args(ap)
    a = ap.parse_args(argv)
    keep_freed_memory()
    return run_serve(a)


if __name__ == "__main__":
    sys.exit(main())
