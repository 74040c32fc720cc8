"""The quotestance HTTP endpoint and demo page (`python -m serve`)."""
from serve.app import create_app

__all__ = ["create_app"]
