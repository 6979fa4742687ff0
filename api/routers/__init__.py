"""The API's routers, one per resource; each calls the registry service and holds no logic."""
