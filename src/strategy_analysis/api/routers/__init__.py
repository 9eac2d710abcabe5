"""Resource routers. Each module has ``setup(app)`` that includes its router."""

ROUTERS: list = []
