"""Tests of the chain and store adapters, one shared contract class per port."""
