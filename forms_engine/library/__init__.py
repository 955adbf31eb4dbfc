"""Shared process libraries: signed bundles, trust store, shared items."""
