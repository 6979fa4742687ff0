"""Build-time Solidity toolchain: compiles ``contracts/`` into the committed artifact.

Nothing here runs in the service: the service loads the committed artifact
through :mod:`registry.artifact`, so users need no compiler at run time.
"""
