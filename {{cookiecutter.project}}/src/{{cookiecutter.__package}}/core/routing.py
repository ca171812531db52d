"""The app's routes that a request matches, those of included routers too."""

from collections.abc import Iterator

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope


def matching_routes(scope: Scope) -> Iterator[RouteContext]:
    """The routes a request's path matches, whatever its method, in the app's order.

    None before the app has seen the request (it puts itself in the scope).
    """
    app = scope.get("app")
    for route in iter_route_contexts(app.routes) if app is not None else ():
        match, _child_scope = route.matches(scope)
        if match is not Match.NONE:
            yield route
