"""FIM XDatenfelder: parser (xdf.py), genericode code lists (genericode.py), FIM-conformant
output (output.py). Pure Python (lxml), no Django: see docs/fim.md."""

from .model import (
    FimCode,
    FimCodeList,
    FimCodeListRef,
    FimElement,
    FimError,
    FimField,
    FimGroup,
    FimIssue,
    FimRelation,
    FimRule,
    FimSchema,
    FimValue,
)

__all__ = [
    "FimCode",
    "FimCodeList",
    "FimCodeListRef",
    "FimElement",
    "FimError",
    "FimField",
    "FimGroup",
    "FimIssue",
    "FimRelation",
    "FimRule",
    "FimSchema",
    "FimValue",
]
