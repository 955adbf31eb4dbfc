"""FIM XDatenfelder: parser (xdf.py), genericode code lists (genericode.py), conversion to a
process definition (convert.py), FIM-conformant output (output.py). Pure Python (lxml), no
Django: see docs/fim.md. The package exports the model's public names (model.__all__)."""

from .model import *  # noqa: F403 - the model's public names, listed once in model.__all__
from .model import __all__  # noqa: F401
