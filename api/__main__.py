"""``python -m api``: serve the API with settings from the environment (``POLICY_REGISTRY_*``)."""

from __future__ import annotations

import sys

from api.server import serve
from registry.errors import RegistryError
from registry.settings import Settings


def main() -> int:
    try:
        serve(Settings())
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot start the server: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
