"""One router per resource; ``ROUTERS`` is the order they are mounted in."""

from triage_ui.routers import (
    account,
    admin,
    ads,
    archive,
    auth,
    dashboards,
    exports,
    maps,
    ml,
    networks,
    queue,
    search,
)

ROUTERS = [
    auth.router,
    account.router,
    queue.router,
    ads.router,
    archive.router,
    search.router,
    networks.router,
    exports.router,
    maps.router,
    dashboards.router,
    admin.router,
    ml.router,
]
