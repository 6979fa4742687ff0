"""The HTTP API of the policy registry (FastAPI)."""
