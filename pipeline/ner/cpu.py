"""Where the char model's matrix products run: numpy's OpenBLAS on one thread, not thinc's BLIS.

thinc's ``NumpyOps`` multiplies with BLIS by default. On this project's machines (AMD EPYC, AVX2)
BLIS 1.3 does the tagger's product (25,000 characters x 320 inputs x 128 outputs) at 25 GFLOPS on
one core, numpy's OpenBLAS at 69; the model's forward pass over 50,000 characters of People's Daily
takes 0.77-0.87 CPU seconds instead of 1.27-1.34, with the same entities on every paragraph
(2026-12-03, docs/performance.md). OpenBLAS is held to one thread: the pipeline runs one process
per core, and a second BLAS thread only spins on the other core (its CPU time was 1.24-1.46 s).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from thinc.api import use_ops
from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None


@contextmanager
def building() -> Iterator[None]:
    """Layers made (loaded or initialised for training) inside this block multiply with numpy."""
    with use_ops("numpy", use_blis=False):
        yield


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread inside this block (the controller is made once: making one
    inspects every loaded library, 3.5 ms; a limit from it costs 30 us)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield
