"""Serve a peer app as the service serves itself: `python launch.py module:attribute`.

The service's own start command (cli.main) runs with its target replaced: the settings
are read and checked, the migrations make the same table, and Granian runs with the same
configuration and logging. Its target is a factory each worker calls (`peer` below),
which imports the peer named in PEER_APP; the bench puts this folder on PYTHONPATH.
"""

import importlib
import os
import sys

from task_service.core import cli, serve

# The peer (`module:attribute`), for the workers, which inherit the environment.
PEER_APP = "BENCH_PEER_APP"


def peer() -> object:
    """The peer app, in a worker: what serve.py's factory target returns for the service."""
    module, _, attribute = os.environ[PEER_APP].partition(":")
    return getattr(importlib.import_module(module), attribute)


if __name__ == "__main__":
    os.environ[PEER_APP] = sys.argv[1]
    serve.APP = "launch:peer"
    cli.main([])
