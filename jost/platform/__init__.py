"""The job platform. Its processes (the API, the workers, the projector) are JOST's own:
they set up as the ``jost`` command does, before any of their modules imports numpy."""

from jost.processes import single_threaded_blas

single_threaded_blas()
