"""The `make bench` harness: this mock beside Prism and a bare ASGI limit (see run.py)."""
