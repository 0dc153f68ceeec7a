"""``python -m jost.platform.consumers``: an engine worker on ``JOST_BOOTSTRAP``, as the
embedded platform starts it (``jost worker`` is the same with its options)."""

import os
import sys

from jost.platform.consumers.app import main

if __name__ == "__main__":
    bootstrap = os.environ.get("JOST_BOOTSTRAP")
    if not bootstrap:
        sys.exit("set JOST_BOOTSTRAP")
    sys.exit(main(bootstrap))
