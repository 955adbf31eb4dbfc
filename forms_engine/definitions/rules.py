"""Rules and computed values: CEL expressions in a definition (docs/process-format.md,
"Rules and computed values"; decision: docs/decisions/0005-rule-language.md).

A rule (`rules[]`) is a CEL expression that must be true, with a message at an answers
pointer; a computed value (`computed.<name>`) is a CEL expression whose result (money,
number, integer or date) fees and rules use. Expressions see

- `answers`: the pruned answers, `answers.<step>.<field>` (numbers and money as double,
  integers as int, dates as "YYYY-MM-DD" strings, everything else as in JSON);
- `today`: the date of evaluation in Europe/Berlin as "YYYY-MM-DD" (injectable);
- `params`: the bound parameter values (money as double, choices as the list of values);
- `computed`: the computed values (money and number as double, integer, date string);

and, besides CEL's standard operators and functions, `date(s)`, `addDays(d, n)` and
`daysBetween(a, b)` (dates are ISO strings, so `<`, `>`, `==` compare them).

Everything here is defensive: `expression_problems` never raises, and evaluation never
lets an exception out (an error is logged and the rule does not fire; a computed value
that fails is absent).
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import cel

from .errors import FieldError, Problem
from .limits import (
    MAX_COMPREHENSIONS,
    MAX_EXPRESSION_LENGTH,
    MAX_EXPRESSION_NESTING,
    MAX_EXPRESSION_REFERENCES,
    MAX_RULE_VALUE_WEIGHT,
    RULE_SLOW_SECONDS,
    string_defect,
)

logger = logging.getLogger("forms_engine.definitions.rules")

BERLIN = ZoneInfo("Europe/Berlin")
COMPUTED_TYPES = ("money", "number", "integer", "date")
VARIABLES = ("answers", "today", "params", "computed")
MACROS = ("all", "exists", "exists_one", "map", "filter")
FUNCTIONS_OWN = ("date", "addDays", "daysBetween")
FUNCTIONS_ALLOWED = frozenset(
    {
        "size",
        "int",
        "uint",
        "double",
        "string",
        "dyn",
        "contains",
        "startsWith",
        "endsWith",
        "matches",
        *FUNCTIONS_OWN,
    }
)
"""Named functions an expression may call (operators are always allowed)."""

MONEY_MAX = Decimal("999999999.99")
_CENT = Decimal("0.01")
_GUARD = Decimal("0.0001")
_INT64 = 2**63
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_STRING_LITERAL = re.compile(
    r"'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\""
)
_ROOT = re.compile(r"(?<![\w.])(answers|params|computed)\b")
_DOTTED = re.compile(r"\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_MACRO = re.compile(r"\.\s*(all|exists_one|exists|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)")


# --- the functions expressions may call ----------------------------------------------------


def _day(value: Any) -> datetime.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError(f"not a date (YYYY-MM-DD): {str(value)[:40]!r}")
    return datetime.date.fromisoformat(value)


def cel_date(value: Any) -> str:
    """`date("2026-12-01")`: the date, checked, as an ISO string (an error if it is none)."""
    return _day(value).isoformat()


def cel_add_days(value: Any, days: Any) -> str:
    """`addDays(d, n)`: the date `n` days after `d` (before, for negative `n`)."""
    if not isinstance(days, int) or isinstance(days, bool) or abs(days) > 3_660_000:
        raise ValueError("addDays needs a whole number of days")
    try:
        return (_day(value) + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        raise ValueError("date out of range") from None


def cel_days_between(start: Any, end: Any) -> int:
    """`daysBetween(a, b)`: days from `a` to `b` (negative if `b` is earlier)."""
    return (_day(end) - _day(start)).days


FUNCTIONS = {"date": cel_date, "addDays": cel_add_days, "daysBetween": cel_days_between}


def today_iso(today: datetime.date | str | None = None) -> str:
    """`today` as "YYYY-MM-DD": a date, an ISO date string, or None for now in Europe/Berlin."""
    if isinstance(today, datetime.datetime):
        return today.astimezone(BERLIN).date().isoformat()
    if isinstance(today, datetime.date):
        return today.isoformat()
    if isinstance(today, str):
        try:
            return _day(today).isoformat()
        except ValueError:
            pass
    return datetime.datetime.now(BERLIN).date().isoformat()


# --- static analysis -----------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A compiled expression and what it names (read statically from its text)."""

    source: str
    program: Any = field(repr=False)
    answers: tuple[tuple[str, str], ...] = ()  # (step, field) of every answers.<step>.<field>
    params: tuple[str, ...] = ()
    computed: tuple[str, ...] = ()


def _code(source: str) -> str:
    """`source` with every string literal replaced by "" (names inside strings are no names)."""
    return _STRING_LITERAL.sub('""', source)


def _nesting(code: str) -> int:
    depth = deepest = 0
    for ch in code:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def _syntax_reason(text: str) -> str:
    """The useful part of the CEL library's syntax error (without the echoed expression)."""
    found = re.search(r"ERROR: <input>:(\d+):(\d+): (.*)", text)
    if found:
        line, column, reason = found.groups()
        return f"{line}:{column}: {reason.strip()[:200]}"
    return " ".join(text.split())[:200]


def analyse(
    source: Any,
    *,
    step_fields: Mapping[str, Iterable[str]] | None = None,
    params: Iterable[str] | None = None,
    computed: Iterable[str] | None = None,
) -> tuple[Expression | None, list[tuple[str, str]]]:
    """(compiled expression or None, [(German, English) problems]). Never raises.

    With `step_fields` (step → top-level field names), `params` and `computed` (declared
    names), references to unknown steps, fields, parameters and computed values are problems.
    """
    if not isinstance(source, str) or not source.strip():
        return None, [("Der Ausdruck ist leer.", "The expression is empty.")]
    if len(source) > MAX_EXPRESSION_LENGTH:
        return None, [
            (
                f"Der Ausdruck ist zu lang ({len(source)} Zeichen; höchstens {MAX_EXPRESSION_LENGTH}).",
                f"The expression is too long ({len(source)} characters; at most {MAX_EXPRESSION_LENGTH}).",
            )
        ]
    code = _code(source)
    depth = _nesting(code)
    if depth > MAX_EXPRESSION_NESTING:
        return None, [
            (
                f"Der Ausdruck ist zu tief verschachtelt ({depth} Klammerebenen; höchstens {MAX_EXPRESSION_NESTING}).",
                f"The expression is nested too deeply ({depth} bracket levels; at most {MAX_EXPRESSION_NESTING}).",
            )
        ]
    macros = _MACRO.findall(code)
    if len(macros) > MAX_COMPREHENSIONS:
        return None, [
            (
                "Schleifen-Makros (all, exists, exists_one, map, filter) sind in Regeln nicht erlaubt: ihre Laufzeit wächst mit dem Quadrat der Listenlänge.",
                "Comprehension macros (all, exists, exists_one, map, filter) are not allowed in rules: their run time grows with the square of the list's length.",
            )
        ]
    uses = len(_ROOT.findall(code))
    if uses > MAX_EXPRESSION_REFERENCES:
        return None, [
            (
                f"Der Ausdruck liest {uses}-mal answers, params oder computed; höchstens {MAX_EXPRESSION_REFERENCES} ist erlaubt.",
                f"The expression reads answers, params or computed {uses} times; at most {MAX_EXPRESSION_REFERENCES} is allowed.",
            )
        ]
    try:
        program = cel.compile(source)
        references = program.references()
    except BaseException as exc:  # the library's errors, PyO3 panics included
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        reason = _syntax_reason(str(exc))
        return None, [
            (
                f"Der Ausdruck ist kein gültiges CEL ({reason}).",
                f"The expression is not valid CEL ({reason}).",
            )
        ]
    problems: list[tuple[str, str]] = []
    bound = {name for _, name in macros}
    for name in references.get("variables", []):
        if name not in VARIABLES and name not in bound:
            problems.append(
                (
                    f"Unbekannter Name '{name}': erlaubt sind answers, today, params und computed.",
                    f"Unknown name '{name}': allowed are answers, today, params and computed.",
                )
            )
    for name in references.get("functions", []):
        if name[:1] in "_@!-" or name in FUNCTIONS_ALLOWED:
            continue
        allowed = ", ".join(sorted(FUNCTIONS_ALLOWED))
        problems.append(
            (
                f"Die Funktion '{name}' ist nicht erlaubt; möglich sind: {allowed}.",
                f"The function '{name}' is not allowed; possible are: {allowed}.",
            )
        )
    answers: list[tuple[str, str]] = []
    param_names: list[str] = []
    computed_names: list[str] = []
    for match in _ROOT.finditer(code):
        root = match.group(1)
        names: list[str] = []
        position = match.end()
        for _ in range(2 if root == "answers" else 1):
            part = _DOTTED.match(code, position)
            if not part:
                break
            names.append(part.group(1))
            position = part.end()
        if root == "answers":
            if len(names) < 2:
                problems.append(
                    (
                        "'answers' wird als answers.<Schritt>.<Feld> verwendet.",
                        "'answers' is used as answers.<step>.<field>.",
                    )
                )
                continue
            if (names[0], names[1]) not in answers:
                answers.append((names[0], names[1]))
        elif not names:
            problems.append(
                (
                    f"'{root}' wird als {root}.<Name> verwendet.",
                    f"'{root}' is used as {root}.<name>.",
                )
            )
        elif root == "params" and names[0] not in param_names:
            param_names.append(names[0])
        elif root == "computed" and names[0] not in computed_names:
            computed_names.append(names[0])
    if step_fields is not None:
        for step, name in answers:
            if step not in step_fields:
                problems.append(
                    (
                        f"Den Schritt '{step}' gibt es nicht (answers.{step}.{name}).",
                        f"There is no step '{step}' (answers.{step}.{name}).",
                    )
                )
            elif name not in set(step_fields[step]):
                problems.append(
                    (
                        f"Das Feld '{name}' gibt es im Schritt '{step}' nicht.",
                        f"Step '{step}' has no field '{name}'.",
                    )
                )
    if params is not None:
        declared = set(params)
        for name in param_names:
            if name not in declared:
                problems.append(
                    (
                        f"Den Parameter '{name}' deklariert die Definition nicht (in 'parameters').",
                        f"The definition does not declare the parameter '{name}' (in 'parameters').",
                    )
                )
    if computed is not None:
        declared = set(computed)
        for name in computed_names:
            if name not in declared:
                problems.append(
                    (
                        f"Den berechneten Wert '{name}' gibt es nicht (in 'computed').",
                        f"There is no computed value '{name}' (in 'computed').",
                    )
                )
    if problems:
        return None, problems
    return (
        Expression(source, program, tuple(answers), tuple(param_names), tuple(computed_names)),
        [],
    )


def computed_order(references: Mapping[str, Iterable[str]]) -> tuple[list[str], list[list[str]]]:
    """(evaluation order, cycles) of computed values naming each other (name → names used)."""
    order: list[str] = []
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in references:
        if start in state:
            continue
        path = [start]
        state[start] = 1
        stack = [iter([n for n in references.get(start, ()) if n in references])]
        while stack:
            name = next(stack[-1], None)
            if name is None:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
                continue
            if state.get(name) == 1:
                cycles.append([*path[path.index(name) :], name])
            elif name not in state:
                state[name] = 1
                path.append(name)
                stack.append(iter([n for n in references.get(name, ()) if n in references]))
    return order, cycles


# --- values into and out of CEL ------------------------------------------------------------


def _cel_number(value: Any, kind: str) -> Any:
    """An answer as CEL sees it: number and money as double, integer as int (int64)."""
    if isinstance(value, bool):
        return value
    if kind in ("number", "money"):
        if isinstance(value, int | float):
            return float(value) if math.isfinite(float(value)) else None
        if kind == "money" and isinstance(value, str):
            try:
                return float(Decimal(value))
            except (InvalidOperation, ValueError):
                return value
        return value
    if isinstance(value, int) and not -_INT64 <= value < _INT64:
        return float(value)
    return value


def cel_value(value: Any, fields: Iterable[Any] = (), _depth: int = 0) -> Any:
    """JSON answers converted for CEL along their fields (`definitions.fields.Field`)."""
    if _depth > 32:
        return None
    by_name = {f.name: f for f in fields}
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str) or string_defect(key) == "surrogate":
                continue
            spec = by_name.get(key)
            if spec is None:
                result[key] = cel_value(item, (), _depth + 1)
            elif spec.type in ("number", "integer", "money"):
                result[key] = _cel_number(item, spec.type)
            elif spec.type == "group":
                result[key] = cel_value(item, spec.children, _depth + 1)
            elif spec.type == "repeat" and isinstance(item, list):
                result[key] = [cel_value(entry, spec.children, _depth + 1) for entry in item]
            else:
                result[key] = cel_value(item, (), _depth + 1)
        return result
    if isinstance(value, list):
        return [cel_value(item, (), _depth + 1) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        return float(value)
    if isinstance(value, str) and string_defect(value) == "surrogate":
        return None  # not representable in CEL; hygiene reports it at the field
    if value is not None and not isinstance(value, str | int | float | bool):
        return None
    return value


def parameter_cel_value(value: Any, kind: str) -> Any:
    """A bound parameter value as CEL sees it."""
    if kind == "money":
        try:
            return float(Decimal(value))
        except (InvalidOperation, ValueError, TypeError):
            return 0.0
    if kind == "choices" and isinstance(value, list):
        return [option.get("value") for option in value if isinstance(option, dict)]
    return value


def _decimal_of(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("the result is not a finite number")
        # the shortest decimal that reads back as this double, rid of binary artefacts
        # below 1/10,000 (0.30000000000000004 → 0.3000)
        return Decimal(repr(value)).quantize(_GUARD, rounding=ROUND_HALF_EVEN)
    return Decimal(value)


def result_of(value: Any, kind: str) -> Decimal | int | str:
    """A computed value's CEL result as its declared type; ValueError if it does not fit.

    money: Decimal with two places (half up, after removing binary artefacts below 0.0001),
    0 ≤ amount ≤ 999,999,999.99; number: Decimal; integer: int; date: "YYYY-MM-DD".
    """
    if kind == "money":
        try:
            amount = _decimal_of(value).quantize(_CENT, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError("the amount is too large") from None
        if amount < 0 or amount > MONEY_MAX:
            raise ValueError(f"the amount {amount} is outside 0 … {MONEY_MAX}")
        return amount
    if kind == "number":
        return _decimal_of(value).normalize()
    if kind == "integer":
        if isinstance(value, float) and value.is_integer() and abs(value) < _INT64:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ValueError(f"expected a whole number, got {str(value)[:40]}")
    if kind == "date":
        return cel_date(value)
    raise ValueError(f"unknown type {kind}")


def computed_cel_value(value: Any, kind: str) -> Any:
    """A computed value (as `result_of` gives it) for use in other expressions."""
    if kind in ("money", "number"):
        return float(value)
    return value


# --- evaluation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A compiled rule of a definition."""

    id: str
    expression: Expression
    pointer: str
    step: str
    message: dict
    when: Any = None  # a compiled JSON Schema validator (`is_valid`) or None


@dataclass(frozen=True)
class Computed:
    """A compiled computed value of a definition."""

    name: str
    expression: Expression
    type: str
    label: dict


@dataclass
class Evaluation:
    """What one evaluation found: values, rule errors, and failures (for designer tests)."""

    computed: dict = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _execute(expression: Expression, context: Any) -> tuple[bool, Any]:
    """(ok, result or reason). Never raises: every library error becomes a reason."""
    started = time.perf_counter()
    try:
        result = expression.program.execute(context)
    except BaseException as exc:  # the library's errors, PyO3 panics included
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        return False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    finally:
        elapsed = time.perf_counter() - started
        if elapsed > RULE_SLOW_SECONDS:
            logger.warning("slow expression (%.3f s): %s", elapsed, expression.source[:200])
    return True, result


def _present(answers: dict, step: str, name: str) -> bool:
    data = answers.get(step)
    return isinstance(data, dict) and name in data and data[name] is not None


TOO_LARGE = object()


def weight(value: Any, limit: int = MAX_RULE_VALUE_WEIGHT) -> int:
    """JSON nodes of `value`, a string counting 1 per started 1,000 characters; counting
    stops soon after `limit`."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        node = stack.pop()
        if isinstance(node, str):
            total += 1 + len(node) // 1000
        elif isinstance(node, dict):
            total += 1
            stack.extend(node.values())
        elif isinstance(node, list):
            total += 1
            stack.extend(node[: limit + 1])
        else:
            total += 1
    return total


def _blocked(pointer: str, errors: frozenset[str]) -> bool:
    return any(pointer == e or e.startswith(pointer + "/") for e in errors)


def evaluate(
    *,
    rules: Iterable[Rule],
    computed: Iterable[Computed],
    answers: dict,
    cel_answers: dict,
    params: dict,
    today: str,
    error_pointers: frozenset[str] = frozenset(),
    process: str = "",
    only_needed: bool = False,
) -> Evaluation:
    """Computed values (all, in order) and the errors of `rules` for pruned `answers`.

    `cel_answers` are the same answers converted by `cel_value`. A rule or computed value
    whose named answers are absent (or have an error in `error_pointers`) is skipped; so
    is one naming a computed value that has no value. Runtime errors are logged and become
    `failures` (German sentences); the rule does not fire, the value is absent. With
    `only_needed`, only the computed values the rules use (directly or not) are computed.
    """
    result = Evaluation()
    cel_computed: dict[str, Any] = {}

    def ready(expression: Expression) -> bool:
        for step, name in expression.answers:
            if not _present(answers, step, name) or _blocked(f"/{step}/{name}", error_pointers):
                return False
            if not _present(cel_answers, step, name):  # a value CEL cannot hold
                return False
        return all(name in cel_computed for name in expression.computed)

    def context(expression: Expression) -> Any:
        """Only what the expression reads (the library copies a variable on every use);
        `TOO_LARGE` for an answer over MAX_RULE_VALUE_WEIGHT, None if CEL cannot hold it."""
        chosen: dict[str, dict] = {}
        for step, name in expression.answers:
            value = cel_answers[step][name]
            if weight(value) > MAX_RULE_VALUE_WEIGHT:
                return TOO_LARGE
            chosen.setdefault(step, {})[name] = value
        try:
            return cel.Context(
                variables={
                    "answers": chosen,
                    "today": today,
                    "params": {n: params[n] for n in expression.params if n in params},
                    "computed": {n: cel_computed[n] for n in expression.computed},
                },
                functions=FUNCTIONS,
            )
        except BaseException as exc:  # a value CEL cannot hold
            if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
                raise
            logger.warning("answers of %s not usable in CEL: %s", process, str(exc)[:200])
            return None

    computed = list(computed)
    if only_needed:
        uses = {item.name: item.expression.computed for item in computed}
        needed: set[str] = set()
        pending = [name for rule in rules for name in rule.expression.computed]
        while pending:
            name = pending.pop()
            if name not in needed:
                needed.add(name)
                pending.extend(uses.get(name, ()))
        computed = [item for item in computed if item.name in needed]
    for item in computed:
        if not ready(item.expression):
            continue
        scope = context(item.expression)
        if scope is None or scope is TOO_LARGE:
            logger.info("computed value %r of %s: answers not usable", item.name, process)
            continue
        ok, value = _execute(item.expression, scope)
        if ok:
            try:
                typed = result_of(value, item.type)
            except (ValueError, TypeError, ArithmeticError) as exc:
                ok, value = False, str(exc)[:200]
        if not ok:
            logger.warning("computed value %r of %s failed: %s", item.name, process, value)
            result.failures.append(
                f"Der berechnete Wert '{item.name}' ließ sich nicht berechnen ({value})."
            )
            continue
        result.computed[item.name] = typed
        cel_computed[item.name] = computed_cel_value(typed, item.type)
    for rule in rules:
        if rule.when is not None and not rule.when.is_valid(answers):
            continue
        if not ready(rule.expression):
            continue
        scope = context(rule.expression)
        if scope is None:
            continue
        if scope is TOO_LARGE:  # fail closed: an answer too large to check is not let through
            logger.info("rule %r of %s: answers too large to check", rule.id, process)
            result.errors.append(
                FieldError(
                    rule.pointer,
                    "Die Angaben sind zu umfangreich, um sie zu prüfen.",
                    "The answers are too large to be checked.",
                    "rule",
                )
            )
            continue
        ok, value = _execute(rule.expression, scope)
        if ok and not isinstance(value, bool):
            ok, value = False, f"das Ergebnis ist kein Wahrheitswert ({str(value)[:40]})"
        if not ok:
            logger.warning("rule %r of %s failed: %s", rule.id, process, value)
            result.failures.append(f"Die Regel '{rule.id}' ließ sich nicht auswerten ({value}).")
            continue
        if not value:
            result.errors.append(
                FieldError(
                    rule.pointer,
                    rule.message.get("de") or rule.id,
                    rule.message.get("en") or rule.message.get("de") or rule.id,
                    "rule",
                )
            )
    return result


def problems_at(pointer: str, found: list[tuple[str, str]]) -> list[Problem]:
    """`analyse` problems as `Problem`s at `pointer`."""
    return [Problem(pointer, de, en) for de, en in found]
