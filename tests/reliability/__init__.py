"""Reliability of the registry under faults: reorganisations, crashes, outages, tampering."""
