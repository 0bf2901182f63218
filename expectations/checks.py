"""Dagster asset checks that guard the published marts (blocking) and report the load warnings (WARN).

- `mart_guards`: one `@multi_asset_check` over every model built into `marts` or `restricted`, with blocking
  ERROR checks between the marts and the exports:
    `no_raw_identifiers`   every table: pseudonym columns hold 64-hex HMACs, no text cell is 6–8 digits
    `rates_within_0_100`   participation marts; percentage indicators of the wellbeing marts
    `disclosure_rules_hold` participation and wellbeing marts: the disclosure audit (linear programming over all
                           published tables of the family: no suppressed cell narrowed down below the
                           protection level, no sensitive cell published; docs/disclosure.md)
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

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from dagster import (
    AssetCheckExecutionContext, AssetCheckKey, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey,
    asset_check, multi_asset_check,
)

from assets.common.alerts import record_check_alert
from assets.common.dbt_project import Model, dbt_models
from assets.common.resource import WarehouseResource
from expectations import mart_rules as rules
from assets.common.disclosure.published import FAMILY_MARTS, FamilyAudit, audit_family
from assets.common.disclosure.rules import DisclosureRules
from expectations.mart_rules import Rates

# --- what guards which table -------------------------------------------------------------------------------

PARTICIPATION_RATES = (Rates(("pct_available", "pct_participated")),)
#: Percentage indicators of the wellbeing marts (response_rate_pct is respondents / counted students: a stale count
#: can push it over 100 without any respondent's value being wrong, so it is not a published rate here).
PCT_INDICATOR = "indicator LIKE '%\\_pct' ESCAPE '\\' AND indicator <> 'response_rate_pct'"


@dataclass(frozen=True)
class MartRules:
    rates: tuple[Rates, ...] = ()
    disclosure: str | None = None  # the family audited together (assets/common/disclosure/published.py)
    reconcile: bool = False


#: Rules per published table (warehouse contract).
MART_RULES: dict[str, MartRules] = {
    "participation_institution": MartRules(PARTICIPATION_RATES, "participation", reconcile=True),
    "participation_by_location": MartRules(PARTICIPATION_RATES, "participation"),
    "participation_by_domain": MartRules(PARTICIPATION_RATES, "participation"),
    "participation_by_programme": MartRules(PARTICIPATION_RATES, "participation"),
    "wellbeing_indicators": MartRules((Rates(("value", "ci_low", "ci_high"), where=PCT_INDICATOR),), "wellbeing"),
    "wellbeing_by_participation": MartRules(
        (Rates(("value_participants", "value_non_participants"), where=PCT_INDICATOR),
         Rates(("difference", "ci_low", "ci_high"), where=PCT_INDICATOR, low=-100, high=100),
         Rates(("difference_domain_standardised",), where=PCT_INDICATOR, low=-100, high=100)), "wellbeing"),
    "wellbeing_by_participation_and_domain": MartRules(
        (Rates(("value_participants", "value_non_participants"), where=PCT_INDICATOR),
         Rates(("difference", "ci_low", "ci_high"), where=PCT_INDICATOR, low=-100, high=100)), "wellbeing"),
    # differences of published values, published only where both are (its dbt tests): no cell of its own to audit
    "wellbeing_changes": MartRules((Rates(("change", "ci_low", "ci_high"), where=PCT_INDICATOR, low=-100,
                                          high=100),)),
    # shares of counts published elsewhere (its description): no cell of its own to audit
    "wellbeing_representativeness": MartRules((Rates(("respondent_share_pct", "student_share_pct")),)),
}
#: the dbt model of each family's cells, which the disclosure audit takes the protection requirements from
DISCLOSURE_CELLS_MODELS = {"participation": "int_participation_cells_unpivoted",
                           "wellbeing": "int_wellbeing_cells_unioned"}

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
    "disclosure_rules_hold": "Disclosure control holds against all published tables together: every sensitive cell "
                             "is suppressed, and linear programming over the published tables leaves every "
                             "suppressed cell an interval of at least the protection level. Blocks the exports.",
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
                             "(docs/disclosure.md); tot dan worden geen exports bijgewerkt.",
    "reconciles_with_raw": "De mart telt anders dan de ruwe uren- en poolregels; meld dit aan het datateam. Tot dan "
                           "worden geen exports bijgewerkt.",
    "programmes_in_register": "Vul het opleidingsregister aan (landing/reference/programmes.csv) of laat de bron de "
                              "code of locatie verbeteren. De rijen zijn geladen onder domein 'Onbekend'.",
    "participation_has_student_counts": "Lever studentaantallen voor deze kwartalen (students/ of DUO); zonder "
                                        "telling blijven de percentages leeg.",
    "survey_response_drop": "Controleer of alle exportbestanden van de enquête zijn geleverd.",
}

# --- the dbt models they guard (dbt's manifest: assets/common/dbt_project.py) ------------------------------------


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
        alert_id = record_check_alert(
            con, error=level == "error", asset=asset, check_name=check, message=finding.description,
            action=ACTION_NL.get(check), run_id=context.run.run_id, settings=warehouse.settings())
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
            deps += [models[name].key for name in (*FAMILY_MARTS[mart.disclosure],
                                                   DISCLOSURE_CELLS_MODELS[mart.disclosure])
                     if name in models and name != model.name]
        specs.append(AssetCheckSpec(check, asset=model.key, blocking=True, description=CHECK_TEXT[check],
                                    additional_deps=deps or None))
    return specs


def evaluate_guard(con, model: Model, check: str, min_cell: int,
                   audits: dict[str, FamilyAudit] | None = None) -> rules.Finding:
    """One guard on one published table (what the Dagster check runs); `audits` keeps each family's disclosure
    audit for the other tables of the family in the same run."""
    models = dbt_models()
    if check == "no_raw_identifiers":
        return rules.no_raw_identifiers(con, model.relation)
    mart = MART_RULES[model.name]
    if check == "rates_within_0_100":
        return rules.rates_within_bounds(con, model.relation, mart.rates)
    if check == "disclosure_rules_hold":
        audits = {} if audits is None else audits
        family = mart.disclosure
        disclosure_rules = dataclasses.replace(DisclosureRules.from_env(), min_cell=min_cell)
        if family not in audits:
            names = [name for name in FAMILY_MARTS[family] if name in models]
            if len(names) < len(FAMILY_MARTS[family]) or DISCLOSURE_CELLS_MODELS[family] not in models:
                return rules.Finding(False, f"the {family} marts are not all in the project: the disclosure audit "
                                            "cannot be evaluated")
            audits[family] = audit_family(con, family, {name: models[name].relation for name in names},
                                          disclosure_rules,
                                          models[DISCLOSURE_CELLS_MODELS[family]].relation, remember=True)
        return rules.disclosure_audited(model.name, audits[family], disclosure_rules)
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
        audits: dict[str, FamilyAudit] = {}
        with warehouse.connect() as con:
            for check_key in sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string()):
                model, check = plan[check_key]
                finding = evaluate_guard(con, model, check, settings.min_cell, audits)
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
