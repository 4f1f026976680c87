"""One router per resource; ``ROUTERS`` is the order they are mounted in."""

from triage_ui.routers import (
    account,
    admin,
    ads,
    auth,
    dashboards,
    exports,
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
    search.router,
    networks.router,
    exports.router,
    dashboards.router,
    admin.router,
    ml.router,
]
