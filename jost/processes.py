"""What JOST's own processes (the ``jost`` command's, the platform's) set up before they import
numpy; a program that uses ``jost.engine`` as a library is left as it is."""

from __future__ import annotations

import os

BLAS_THREADS_ENV = "OPENBLAS_NUM_THREADS"


def single_threaded_blas() -> None:
    """One BLAS thread, unless the environment names a number: nothing of JOST multiplies
    matrices, and the threads OpenBLAS starts when numpy loads spun a core each for a
    moment: a platform process's imports took 0.49 s of CPU in 0.39 s, 0.32 s with one
    (``jost run`` about 0.05 s sooner). Its children inherit it."""
    os.environ.setdefault(BLAS_THREADS_ENV, "1")
