"""Spread requests over several instances of the service, as a load balancer does."""

import itertools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx2


@dataclass(frozen=True)
class Answer:
    """The instance that answered a request (its index), and its response."""

    instance: int
    response: httpx2.Response


class RoundRobin:
    """Send each request to the next instance that still accepts connections.

    Each request has a connection of its own, as a connection-level balancer such as
    kube-proxy hands each new connection to a ready pod. A refused connection never
    reached a server: the request goes to the next instance, and the one that refused
    is left out from then on. A request that was sent and got no answer is not retried
    (it may have been served); the error reaches the caller.
    """

    def __init__(self, clients: list[httpx2.AsyncClient]) -> None:
        """Balance over the instances these clients reach, one client per instance."""
        self._clients = clients
        self._accepting = list(range(len(clients)))
        self._turns = itertools.count()
        self._in_flight = [0] * len(clients)
        self._answered_all = [anyio.Event() for _ in clients]

    async def request(self, method: str, path: str, **options: Any) -> Answer:
        """Send the request to the next instance that accepts the connection."""
        while self._accepting:
            instance = self._accepting[next(self._turns) % len(self._accepting)]
            self._in_flight[instance] += 1
            try:
                response = await self._clients[instance].request(method, path, **options)
            except httpx2.ConnectError:
                if instance in self._accepting:
                    self._accepting.remove(instance)
                continue
            finally:
                self._in_flight[instance] -= 1
                if not self._in_flight[instance] and instance not in self._accepting:
                    self._answered_all[instance].set()
            return Answer(instance, response)
        msg = "no instance accepts connections"
        raise AssertionError(msg)

    async def withdraw(self, instance: int) -> None:
        """Send the instance no more requests; return once it has answered those it has.

        Kubernetes so withdraws a pod it stops, and its preStop pause gives the requests
        already sent to the pod the time to arrive: here, the time they take.
        """
        if instance in self._accepting:
            self._accepting.remove(instance)
        if self._in_flight[instance]:
            await self._answered_all[instance].wait()


@asynccontextmanager
async def round_robin(urls: list[str]) -> AsyncIterator[RoundRobin]:
    """A balancer over the instances at these base URLs, its clients closed at the end."""
    no_keep_alive = httpx2.Limits(max_keepalive_connections=0)
    async with AsyncExitStack() as clients:
        yield RoundRobin(
            [
                await clients.enter_async_context(
                    httpx2.AsyncClient(base_url=url, limits=no_keep_alive)
                )
                for url in urls
            ]
        )
