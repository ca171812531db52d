"""Serve a peer app as the service serves itself: `python launch.py module:attribute`.

The service's own start command (serve.main) runs with its target replaced: the settings
are read and checked, the migrations make the same table, and Granian runs with the same
configuration and logging. The app's module must be importable by Granian's workers:
the bench puts this folder on PYTHONPATH.
"""

from __future__ import annotations

import sys

from task_service.core import serve

if __name__ == "__main__":
    serve.APP = sys.argv[1]
    serve.main([])
