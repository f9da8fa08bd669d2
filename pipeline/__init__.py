"""Chinese NLP annotation pipeline for governance news.

``pipeline.load``, ``pipeline.annotate`` and ``pipeline.run`` are the Python API (``pipeline/api.py``);
they are imported on first use, so that ``import pipeline`` stays cheap.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"
__all__ = ["annotate", "load", "run"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(".api", __name__), name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
