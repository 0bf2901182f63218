"""Dagster asset checks that guard the published marts (blocking) and report the load warnings (WARN).

- `mart_guards`: one `@multi_asset_check` over every model built into `marts` or `restricted`, with blocking
  ERROR checks between the marts and the exports:
    `no_raw_identifiers`   every table: pseudonym columns hold 64-hex HMACs, no text cell is 6–8 digits
    `rates_within_0_100`   participation marts; percentage indicators of the wellbeing marts
    `disclosure_rules_hold` participation and wellbeing marts: primary and complementary suppression
    `reconciles_with_raw`  participation_institution: students and hours per quarter as in the raw rows
  (the dbt tests on the same marts – adds_up_to, primary/complementary suppression, keys – arrive as
  asset checks from dagster-dbt, blocking where their severity is error.)
- `load_warnings`: non-blocking WARN checks (landing contract, "Warnings, not rejections"):
    `programmes_in_register`          the staging models of hours, pool, counts (and survey when it exists)
    `participation_has_student_counts` intermediate/int_participation_aggregated_to_programmes
- `survey_response_drop`: WARN on raw/survey_responses (a year with under half the previous year's responses).

Which checks exist follows dbt's manifest: a mart that does not exist yet (the wellbeing marts) gets its
checks once its model does. Every evaluation is written to `ops.check_results`; every failure raises an alert
(`ops.alerts`, mailed when SMTP is configured) from here, in the run, so a failed non-blocking check is
reported although it does not fail the run.

No `from __future__ import annotations` here: Dagster reads the `context` annotations at definition time.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from dagster import (
    AssetCheckExecutionContext, AssetCheckKey, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey,
    asset_check, multi_asset_check,
)

from assets.common.alerts import record_alert
from assets.common.resource import WarehouseResource
from expectations import mart_rules as rules
from expectations.mart_rules import Breakdown, Cells, Disclosure, Rates

# --- what guards which table -------------------------------------------------------------------------------

PARTICIPATION_DERIVED = ("n_available", "n_participated", "hours_total", "pct_available", "pct_participated")
PARTICIPATION_RATES = (Rates(("pct_available", "pct_participated")),)
#: Percentage indicators of the wellbeing marts (response_rate_pct is respondents / counted students: a stale count
#: can push it over 100 without any respondent's value being wrong, so it is not a published rate here).
PCT_INDICATOR = "indicator LIKE '%\\_pct' ESCAPE '\\' AND indicator <> 'response_rate_pct'"
RESPONDED = "n_respondents > 0"  # a group without respondents reveals nothing when suppressed (its count is published)

def _participation(breakdowns: tuple[Breakdown, ...]) -> Disclosure:
    return Disclosure(cells=(Cells(("n_students",), PARTICIPATION_DERIVED),), partition=("quarter",),
                      breakdowns=breakdowns)


@dataclass(frozen=True)
class MartRules:
    rates: tuple[Rates, ...] = ()
    disclosure: Disclosure | None = None
    reconcile: bool = False


#: Rules per published table (warehouse contract). Parent tables are named by model; resolved to relations.
MART_RULES: dict[str, MartRules] = {
    "participation_institution": MartRules(PARTICIPATION_RATES, _participation(()), reconcile=True),
    "participation_by_location": MartRules(PARTICIPATION_RATES, _participation((
        Breakdown("institution", (), parent_relation="participation_institution"),))),
    "participation_by_domain": MartRules(PARTICIPATION_RATES, _participation((
        Breakdown("institution", (), parent_relation="participation_institution"),))),
    "participation_by_programme": MartRules(PARTICIPATION_RATES, _participation((
        Breakdown("location", ("location",), parent_relation="participation_by_location"),
        Breakdown("domain", ("domain",), parent_relation="participation_by_domain"),
        Breakdown("institution", (), parent_relation="participation_institution"),
    ))),
    "wellbeing_indicators": MartRules(
        (Rates(("value", "ci_low", "ci_high"), where=PCT_INDICATOR),),
        Disclosure(cells=(Cells(("n_respondents",), ("value", "ci_low", "ci_high")),),
                   partition=("survey_year", "indicator"),
                   breakdowns=(
                       Breakdown("location", ("location",), children=f"level = 'programme' AND {RESPONDED}",
                                 parent_rows="level = 'location'"),
                       Breakdown("domain", ("domain",), children=f"level = 'programme' AND {RESPONDED}",
                                 parent_rows="level = 'domain'"),
                       Breakdown("institution (locations)", (), children=f"level = 'location' AND {RESPONDED}",
                                 parent_rows="level = 'institution'"),
                       Breakdown("institution (domains)", (), children=f"level = 'domain' AND {RESPONDED}",
                                 parent_rows="level = 'institution'"),
                       Breakdown("institution (genders)", (),
                                 children=f"level = 'group' AND group_name LIKE 'gender:%' AND {RESPONDED}",
                                 parent_rows="level = 'institution'"),
                   ))),
    "wellbeing_by_participation": MartRules(
        (Rates(("value_participants", "value_non_participants"), where=PCT_INDICATOR),
         Rates(("difference", "ci_low", "ci_high"), where=PCT_INDICATOR, low=-100, high=100)),
        Disclosure(cells=(Cells(("n_participants",), ("value_participants",)),
                          Cells(("n_non_participants",), ("value_non_participants",)),
                          Cells(("n_participants", "n_non_participants"), ("difference", "ci_low", "ci_high"))),
                   partition=("survey_year", "indicator"))),
}

#: The warning checks' inputs, by dbt model name.
REGISTER_MODEL = "stg_reference__programmes"
REGISTER_SOURCES = ("participation_hours", "participation_pool", "student_counts", "survey_responses")
COUNTS_WARNING_MODELS = {"target": "int_participation_aggregated_to_programmes", "hours": "stg_participation__hours",
                         "pool_quarters": "int_pool_registrations_spread_to_quarters",
                         "counts": "int_student_counts_unioned"}
RECONCILE_MODELS = {"hours": "stg_participation__hours",
                    "pool_quarters": "int_pool_registrations_spread_to_quarters"}

CHECK_TEXT = {
    "no_raw_identifiers": "No raw student identifier: pseudonym columns are 64-hex HMACs and no text cell is a "
                          "6–8 digit number. Blocks the exports.",
    "rates_within_0_100": "Every published rate lies within 0–100. Blocks the exports.",
    "disclosure_rules_hold": "Disclosure control holds: no base count below WB_MIN_CELL publishes a derived value; "
                             "no published parent has exactly one suppressed child. Blocks the exports.",
    "reconciles_with_raw": "Students who participated, hours and available students per quarter equal what the "
                           "raw timesheet and pool rows say. Blocks the exports.",
    "programmes_in_register": "Warning (rows load): programme × location combinations not in the programme register.",
    "participation_has_student_counts": "Warning (rows load): hours or pool registrations in a programme × location "
                                        "× quarter without a student count.",
    "survey_response_drop": "Warning (rows load): a survey year with under half the previous year's responses.",
}

ACTION_NL = {
    "no_raw_identifiers": "Zoek uit waar de waarde vandaan komt (een studentnummer in een code- of tekstkolom van een "
                          "bronbestand?) en laat de bron verbeteren. Tot dan worden geen exports bijgewerkt.",
    "rates_within_0_100": "Controleer de telling van studenten (n_students) voor de genoemde kwartalen en groepen; "
                          "tot de oorzaak is verholpen worden geen exports bijgewerkt.",
    "disclosure_rules_hold": "Niets publiceren: de onthullingsbeheersing klopt niet. Meld dit aan het datateam "
                             "(dbt-macro disclosure_control); tot dan worden geen exports bijgewerkt.",
    "reconciles_with_raw": "De mart telt anders dan de ruwe uren- en poolregels; meld dit aan het datateam. Tot dan "
                           "worden geen exports bijgewerkt.",
    "programmes_in_register": "Vul het opleidingsregister aan (landing/reference/programmes.csv) of laat de bron de "
                              "code of locatie verbeteren. De rijen zijn geladen onder domein 'Onbekend'.",
    "participation_has_student_counts": "Lever studentaantallen voor deze kwartalen (students/ of DUO); zonder "
                                        "telling blijven de percentages leeg.",
    "survey_response_drop": "Controleer of alle exportbestanden van de enquête zijn geleverd.",
}

SUBJECT_NL = {"error": "Controle mislukt", "warning": "Waarschuwing"}


# --- the dbt manifest: which models exist, their asset keys and relations --------------------------------------


@dataclass(frozen=True)
class Model:
    name: str
    key: AssetKey
    relation: str           # schema.table in the warehouse
    sources: tuple[str, ...]  # raw tables it reads directly


@lru_cache(maxsize=1)
def dbt_models() -> dict[str, Model]:
    from orchestration.dbt import WarehouseDbtTranslator, dbt_project  # builds the manifest when stale

    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    translator = WarehouseDbtTranslator()
    models = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        sources = tuple(dep.rsplit(".", 1)[-1] for dep in node.get("depends_on", {}).get("nodes", [])
                        if dep.startswith("source."))
        models[node["name"]] = Model(node["name"], translator.get_asset_key(node),
                                     f"{node['schema']}.{node.get('alias') or node['name']}", sources)
    return models


def published_models() -> list[Model]:
    return sorted((m for m in dbt_models().values() if m.relation.split(".")[0] in ("marts", "restricted")),
                  key=lambda m: m.name)


# --- recording ------------------------------------------------------------------------------------------------


def _result(context, warehouse: WarehouseResource, con, key: AssetKey, check: str, finding: rules.Finding,
            severity: AssetCheckSeverity) -> AssetCheckResult:
    """The check's result; written to ops.check_results, and on failure an alert (mailed when configured)."""
    asset = key.to_user_string()
    level = "error" if severity == AssetCheckSeverity.ERROR else "warning"
    con.execute("""INSERT INTO ops.check_results (asset, check_name, passed, severity, details, run_id)
                   VALUES (?, ?, ?, ?, ?, ?)""", [asset, check, finding.passed, level, finding.description,
                                                  context.run.run_id])
    metadata = finding.metadata()
    if not finding.passed:
        alert_id = record_alert(
            con, severity=level, kind="failed_check" if level == "error" else "warning",
            subject=f"{SUBJECT_NL[level]}: {check} op {asset}", message=finding.description,
            action=ACTION_NL.get(check), source=asset, check_name=check, run_id=context.run.run_id,
            settings=warehouse.settings(),
            # an error once per run; a warning once for as long as it says the same
            dedupe_on=("kind", "source", "check_name", "run_id") if level == "error"
            else ("kind", "source", "check_name", "message"))
        metadata["alert_id"] = alert_id
    return AssetCheckResult(asset_key=key, check_name=check, passed=finding.passed, severity=severity,
                            description=finding.description, metadata=metadata)


# --- blocking guards on the published marts --------------------------------------------------------------------


def _guard_plan() -> list[tuple[Model, str]]:
    plan = []
    models = dbt_models()
    for model in published_models():
        plan.append((model, "no_raw_identifiers"))
        mart = MART_RULES.get(model.name)
        if mart is None:
            continue
        if mart.rates:
            plan.append((model, "rates_within_0_100"))
        if mart.disclosure:
            plan.append((model, "disclosure_rules_hold"))
        if mart.reconcile and all(m in models for m in RECONCILE_MODELS.values()):
            plan.append((model, "reconciles_with_raw"))
    return plan


def _guard_specs() -> list[AssetCheckSpec]:
    models = dbt_models()
    specs = []
    for model, check in _guard_plan():
        deps = [models[m].key for m in RECONCILE_MODELS.values()] if check == "reconciles_with_raw" else []
        mart = MART_RULES.get(model.name)
        if check == "disclosure_rules_hold" and mart and mart.disclosure:
            deps += [models[b.parent_relation].key for b in mart.disclosure.breakdowns
                     if b.parent_relation and b.parent_relation in models]
        specs.append(AssetCheckSpec(check, asset=model.key, blocking=True, description=CHECK_TEXT[check],
                                    additional_deps=deps or None))
    return specs


def evaluate_guard(con, model: Model, check: str, min_cell: int) -> rules.Finding:
    """One guard on one published table (what the Dagster check runs)."""
    models = dbt_models()
    if check == "no_raw_identifiers":
        return rules.no_raw_identifiers(con, model.relation)
    mart = MART_RULES[model.name]
    if check == "rates_within_0_100":
        return rules.rates_within_bounds(con, model.relation, mart.rates)
    if check == "disclosure_rules_hold":
        disclosure = mart.disclosure
        resolved = tuple(Breakdown(b.name, b.parent, b.children,
                                   models[b.parent_relation].relation if b.parent_relation in models else None,
                                   b.parent_rows) if b.parent_relation else b for b in disclosure.breakdowns)
        return rules.disclosure_holds(con, model.relation, Disclosure(disclosure.cells, disclosure.partition,
                                                                       resolved, disclosure.suppressed), min_cell)
    if check == "reconciles_with_raw":
        return rules.participation_reconciles(con, model.relation, models[RECONCILE_MODELS["hours"]].relation,
                                              models[RECONCILE_MODELS["pool_quarters"]].relation)
    raise ValueError(f"unknown guard {check}")


def _build_mart_guards():
    specs = _guard_specs()
    if not specs:
        return []
    plan = {AssetCheckKey(model.key, check): (model, check) for model, check in _guard_plan()}

    @multi_asset_check(specs=specs, can_subset=True, name="mart_guards",
                       description="Blocking checks between the marts and the exports (expectations/checks.py).")
    def mart_guards(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> Iterator[AssetCheckResult]:
        settings = warehouse.settings()
        with warehouse.connect() as con:
            for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string()):
                model, check = plan[check_key]
                finding = evaluate_guard(con, model, check, settings.min_cell)
                yield _result(context, warehouse, con, model.key, check, finding, AssetCheckSeverity.ERROR)

    return [mart_guards]


# --- warnings (rows load, an alert says what was found) -----------------------------------------------------


def _warning_plan() -> list[tuple[Model, str]]:
    models = dbt_models()
    plan = []
    if REGISTER_MODEL in models:
        for model in sorted(models.values(), key=lambda m: m.name):
            if model.relation.startswith("staging.") and set(model.sources) & set(REGISTER_SOURCES):
                plan.append((model, "programmes_in_register"))
    if all(m in models for m in COUNTS_WARNING_MODELS.values()):
        plan.append((models[COUNTS_WARNING_MODELS["target"]], "participation_has_student_counts"))
    return plan


def evaluate_warning(con, model: Model, check: str) -> rules.Finding:
    models = dbt_models()
    if check == "programmes_in_register":
        return rules.not_in_register(con, model.relation, models[REGISTER_MODEL].relation)
    if check == "participation_has_student_counts":
        m = {role: models[name].relation for role, name in COUNTS_WARNING_MODELS.items()}
        return rules.activity_without_counts(con, m["hours"], m["pool_quarters"], m["counts"])
    raise ValueError(f"unknown warning {check}")


def _build_load_warnings():
    plan_list = _warning_plan()
    if not plan_list:
        return []
    models = dbt_models()
    specs = []
    for model, check in plan_list:
        deps = ([models[REGISTER_MODEL].key] if check == "programmes_in_register" else
                [models[n].key for role, n in COUNTS_WARNING_MODELS.items() if role != "target"])
        specs.append(AssetCheckSpec(check, asset=model.key, blocking=False, description=CHECK_TEXT[check],
                                    additional_deps=deps))
    plan = {AssetCheckKey(model.key, check): (model, check) for model, check in plan_list}

    @multi_asset_check(specs=specs, can_subset=True, name="load_warnings",
                       description="Warnings of the landing contract: rows load, an alert says what was found.")
    def load_warnings(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> Iterator[AssetCheckResult]:
        with warehouse.connect() as con:
            for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string()):
                model, check = plan[check_key]
                yield _result(context, warehouse, con, model.key, check, evaluate_warning(con, model, check),
                              AssetCheckSeverity.WARN)

    return [load_warnings]


SURVEY_RAW = AssetKey(["raw", "survey_responses"])


@asset_check(asset=SURVEY_RAW, name="survey_response_drop", blocking=False,
             description=CHECK_TEXT["survey_response_drop"])
def survey_response_drop(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    with warehouse.connect() as con:
        finding = rules.survey_response_drop(con, "raw.survey_responses")
        return _result(context, warehouse, con, SURVEY_RAW, "survey_response_drop", finding, AssetCheckSeverity.WARN)


#: The names of the checks defined here: they alert themselves (the alert hooks and sensors skip them).
OWN_CHECKS = frozenset(CHECK_TEXT)


def quality_checks() -> list:
    """Every check of this module, for `Definitions(asset_checks=…)`."""
    return [*_build_mart_guards(), *_build_load_warnings(), survey_response_drop]
