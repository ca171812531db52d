"""The routes every service has: health probes, metrics, documentation pages."""
