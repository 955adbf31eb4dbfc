"""One module per identity backend; importing this package registers them all."""

from . import bundid_stub  # noqa: F401 - registers the plugin
