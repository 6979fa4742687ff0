"""Capturing and watching web pages (issue 16): fetch safely, archive as WARC, register.

- :mod:`registry.capture.addresses` decides which addresses the server may connect to.
- :mod:`registry.capture.fetch` fetches one URL (bounded, redirects by hand, pinned to
  the checked address).
- :mod:`registry.capture.warc` writes the exchange as a WARC file.
- :mod:`registry.capture.captures` registers a fetched page and keeps its WARC.
"""
