"""The pure process language: definitions, checks, compiled processes (no ORM, no HTTP).

Public API (contract: docs/architecture.md, "Contracts" → `forms_engine.definitions`).
"""

from .authoring import AUTHORING_CODES, Finding, authoring_findings
from .canonical import canonical_json, definition_sha256, load_definition
from .check import check_definition, metaschema
from .conditions import Condition, ConditionError, Row, condition_to_when, when_to_condition
from .diff import Change, definition_diff, required_bump, version_step
from .errors import DefinitionError, FieldError, Problem
from .field_types import FIELD_KINDS, FieldKind, build_field, read_field
from .fields import FIELD_TYPES, Field
from .formats import citizen_validator
from .limits import MAX_FILE_BYTES
from .model import (
    AppliedFee,
    DesignerTestResult,
    ProcessDefinition,
    Step,
    TextBlock,
    clear_cache,
    compile_definition,
    parameter_values_check,
)
from .parameters import PARAMETER_TYPES
from .rule_templates import (
    RULE_TEMPLATES,
    rule_expression_check,
    rule_template_build,
    rule_template_fields,
    rule_template_match,
)
from .rules import COMPUTED_TYPES
from .shared import (
    SHARED_ITEM_FORMAT,
    SharedUse,
    check_shared_item,
    schema_sha256,
    shared_item_use,
    shared_uses,
)
from .topics import TOPICS
from .versions import publish_version_problems, suggested_version
from .warnings import definition_warnings

__all__ = [
    "TOPICS",
    "SHARED_ITEM_FORMAT",
    "SharedUse",
    "check_shared_item",
    "schema_sha256",
    "shared_item_use",
    "shared_uses",
    "AUTHORING_CODES",
    "FIELD_KINDS",
    "FIELD_TYPES",
    "MAX_FILE_BYTES",
    "COMPUTED_TYPES",
    "PARAMETER_TYPES",
    "RULE_TEMPLATES",
    "AppliedFee",
    "Change",
    "Condition",
    "ConditionError",
    "DefinitionError",
    "DesignerTestResult",
    "Field",
    "FieldKind",
    "FieldError",
    "Finding",
    "ProcessDefinition",
    "Problem",
    "Row",
    "build_field",
    "Step",
    "TextBlock",
    "authoring_findings",
    "canonical_json",
    "check_definition",
    "citizen_validator",
    "clear_cache",
    "compile_definition",
    "condition_to_when",
    "definition_diff",
    "definition_sha256",
    "definition_warnings",
    "load_definition",
    "metaschema",
    "parameter_values_check",
    "publish_version_problems",
    "read_field",
    "required_bump",
    "suggested_version",
    "rule_expression_check",
    "rule_template_build",
    "rule_template_fields",
    "rule_template_match",
    "version_step",
    "when_to_condition",
]
