"""The wellbeing models on a small hand-made warehouse, values worked out by hand.

WB_MIN_CELL = 3. Register: the shipped seed (34116 Social Work: GSW, at Haarlem; 34405 Communicatie: CRB, at
Den Haag; 99999 is unknown: domain Onbekend).

Counted responses, survey year 2023 (items: every item of a scale the same code unless said otherwise;
defaults BRS 3 → 3.0 normaal, DJG not lonely → 0, EE 2 → 2.0, UWES 4, belonging 4,4,4 and item 4 = 2 → 4.0,
teacher 4, life_sat 7, study_stress 2; part B only where listed):

  id   student location   K10 → score band   other                                  part B (known, used, quit, support)
  r01  p01  Haarlem 34116  1 → 10 laag       first year, vrouw, first gen           1 0 0 1   -> decaan
  r02  p02  Haarlem 34116  2 → 20 matig      BRS 2,4,2,4,2,4 → 2.0 laag, 1st year   1 0 0 0   -> ehealth,veerkracht
  r03  p03  Haarlem 34116  2 → 20 matig      vrouw, first gen                       1 0 0 1   -> ehealth
  r04  p04  Haarlem 34116  3 → 30 hoog       DJG all min of meer → 6 sterk          1 0 1 0   -> psycholoog,ssc_buddy,slb
  r05  p05  Haarlem 34116  3 → 30 hoog       belonging 2,2,2,4 → 2.0 laag, man      0 0 0 0   -> psycholoog,ssc_buddy
  r06  p06  Haarlem 34116  4 → 40 hoog       EE 5 → verhoogd, man                   0 0 0 0   -> psycholoog,slb
  r07  p07  Haarlem 34116  5 → 50 hoog       man                                    0 0 0 0   -> psycholoog
  r08  p08  Haarlem 34116  5 → 50 hoog       no gender                              0 0 0 0   -> psycholoog
  r09  p09  Den Haag 34405 2 → 20 matig      first year, vrouw                      –         -> ehealth
  r10  p10  Den Haag 34405 2 → 20 matig      vrouw                                  –         -> ehealth
  r11  p11  Den Haag 34405 3 → 30 hoog       anders, international                  –         -> psycholoog
  r12  p12  Den Haag 34405 1 → 10 laag       man                                    –         -> alles_goed
  r13  p13  Delft 99999    4 → 40 hoog       vrouw (submitted in July: 2023-Q3)     –         -> psycholoog
  r14  p14  Delft 99999    7 items → none    zeg ik liever niet (July)              –         -> alles_goed
(first generation: r01–r05.) Not counted: r00 (p01's earlier finished response, K10 all 5), r02b (p02's later
unfinished one), r15 (p15, unfinished only). Survey year 2022: s01 (p01, K10 2), s02 (p04, K10 4).

Participation (net hours > 0 in one of the four quarters up to the response's quarter: 2022-Q3 … 2023-Q2 for a
response in May 2023, 2021-Q3 … 2022-Q2 for May 2022): p01 2023-Q1, p02 2023-Q2 (June, after the response but
in its quarter), p03 2022-Q4 (and 2023-Q4, after the response: not counted); p04 2022-Q1: a participant for its
2022 response, not for 2023 (five quarters back); p05 worked 3.00 and had it corrected (−3.00): net 0, not
participating.
Student counts (own): 2023-Q2 34116 Haarlem 80, 34405 Den Haag 40; 2023-Q3 34116 Haarlem 999; 2022-Q2 34116
Haarlem 70. Most 2023 responses were submitted in 2023-Q2 (12 of 14): the reference quarter.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.dbt_harness import build_warehouse, query

stats = pytest.importorskip("scipy.stats")

MIN_CELL = 3
Z = 1.959963984540054


def _items(prefix: str, n: int, codes) -> dict[str, int | None]:
    codes = [codes] * n if not isinstance(codes, list) else codes
    return {f"{prefix}_{i + 1}": code for i, code in enumerate(codes)}


def response(response_id, pseudo_id, programme, location, k10, *, survey_year=2023, submitted=None, finished=True,
             study_year="2", gender=None, international=False, first_generation=False, brs=3,
             djg=(3, 1, 1, 3, 1, 3), ee=2, belong=(4, 4, 4, 2), part_b=None):
    row = {
        "survey_year": survey_year, "response_id": response_id, "pseudo_id": pseudo_id,
        "started_at": (submitted or datetime(survey_year, 5, 15)).replace(hour=8),
        "submitted_at": submitted or datetime(survey_year, 5, 15, 9), "finished": finished,
        "programme_code": programme, "location": location, "study_year": study_year, "gender": gender,
        "international": international, "first_generation": first_generation,
        **_items("k10", 10, k10), **_items("brs", 6, brs), **_items("djg", 6, list(djg)), **_items("ee", 5, ee),
        **_items("uwes", 9, 4), **_items("belong", 4, list(belong)), **_items("teacher", 3, 4),
        "life_sat": 7, "study_stress": 2,
    }
    if part_b is not None:
        row.update(dict(zip(("ssc_known", "ssc_used", "quit_intention", "support_wanted"), part_b)))
    return row


MAY = datetime(2023, 5, 20, 10)
JULY = datetime(2023, 7, 3, 10)
RESPONSES = [
    response("r00", "p01", "34116", "Haarlem", 5, submitted=datetime(2023, 5, 1, 10), study_year="1",
             gender="vrouw", first_generation=True, part_b=(0, 0, 0, 0)),
    response("r01", "p01", "34116", "Haarlem", 1, submitted=MAY, study_year="1", gender="vrouw",
             first_generation=True, part_b=(1, 0, 0, 1)),
    response("r02", "p02", "34116", "Haarlem", 2, submitted=MAY, study_year="1", gender="vrouw",
             first_generation=True, brs=[2, 4, 2, 4, 2, 4], part_b=(1, 0, 0, 0)),
    response("r02b", "p02", "34116", "Haarlem", 5, submitted=datetime(2023, 6, 30, 10), finished=False),
    response("r03", "p03", "34116", "Haarlem", 2, submitted=MAY, gender="vrouw", first_generation=True,
             part_b=(1, 0, 0, 1)),
    response("r04", "p04", "34116", "Haarlem", 3, submitted=MAY, gender="vrouw", first_generation=True,
             djg=(2, 2, 2, 2, 2, 2), part_b=(1, 0, 1, 0)),
    response("r05", "p05", "34116", "Haarlem", 3, submitted=MAY, gender="man", first_generation=True,
             belong=(2, 2, 2, 4), part_b=(0, 0, 0, 0)),
    response("r06", "p06", "34116", "Haarlem", 4, submitted=MAY, gender="man", ee=5, part_b=(0, 0, 0, 0)),
    response("r07", "p07", "34116", "Haarlem", 5, submitted=MAY, gender="man", part_b=(0, 0, 0, 0)),
    response("r08", "p08", "34116", "Haarlem", 5, submitted=MAY, part_b=(0, 0, 0, 0)),
    response("r09", "p09", "34405", "Den Haag", 2, submitted=MAY, study_year="1", gender="vrouw"),
    response("r10", "p10", "34405", "Den Haag", 2, submitted=MAY, gender="vrouw"),
    response("r11", "p11", "34405", "'s-Gravenhage", 3, submitted=MAY, gender="anders", international=True),
    response("r12", "p12", "34405", "Den Haag", 1, submitted=MAY, gender="man"),
    response("r13", "p13", "99999", "Delft", 4, submitted=JULY, gender="vrouw"),
    response("r14", "p14", "99999", "Delft", [4, 4, 4, 4, 4, 4, 4, None, None, None], submitted=JULY,
             gender="zeg ik liever niet"),
    response("r15", "p15", "34116", "Haarlem", 3, submitted=None, finished=False),
    response("s01", "p01", "34116", "Haarlem", 2, survey_year=2022, submitted=datetime(2022, 5, 10, 9)),
    response("s02", "p04", "34116", "Haarlem", 4, survey_year=2022, submitted=datetime(2022, 5, 11, 9)),
]
RESPONSES[-3]["submitted_at"] = None  # r15: unfinished, never submitted


def _hours(record_id, pseudo_id, work_date, hours):
    return {"record_id": record_id, "pseudo_id": pseudo_id, "programme_code": "34116", "location": "Haarlem",
            "work_date": work_date, "hours": Decimal(hours)}


def _count(quarter, programme_code, location, n_students):
    return {"quarter": quarter, "programme_code": programme_code, "location": location, "n_students": n_students}


RAW_ROWS = {
    "survey_responses": RESPONSES,
    "participation_hours": [
        _hours("h1", "p01", date(2023, 3, 10), "4.00"),
        _hours("h2", "p02", date(2023, 6, 1), "2.00"),
        _hours("h3", "p03", date(2023, 11, 15), "3.00"),
        _hours("h4", "p04", date(2022, 3, 1), "5.00"),
        _hours("h7", "p03", date(2022, 11, 15), "2.00"),
        _hours("h5", "p05", date(2023, 2, 1), "3.00"),
        _hours("h6", "p05", date(2023, 2, 20), "-3.00"),
    ],
    "student_counts": [
        _count("2023-Q2", "34116", "Haarlem", 80),
        _count("2023-Q2", "34405", "Den Haag", 40),
        _count("2023-Q3", "34116", "Haarlem", 999),
        _count("2022-Q2", "34116", "Haarlem", 70),
    ],
}

K10_2023 = [10, 20, 20, 30, 30, 40, 50, 50, 20, 20, 30, 10, 40]  # r01…r13 (r14 has no score)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("wellbeing"), RAW_ROWS, MIN_CELL)


def indicator(warehouse, level, group_name, name, year=2023, location=None):
    rows = query(warehouse, """SELECT * FROM marts.wellbeing_indicators WHERE survey_year = ? AND level = ?
                               AND group_name = ? AND indicator = ? AND location IS NOT DISTINCT FROM ?""",
                 [year, level, group_name, name, location])
    assert len(rows) == 1, (level, group_name, name, rows)
    return rows[0]


def mean_interval(values):
    n, mean = len(values), sum(values) / len(values)
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)
    return mean - half, mean + half


def wilson(x, n):
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


# --- which responses count; individual feedback --------------------------------------------------------------


def test_counted_responses_and_feedback(warehouse):
    feedback = {r["response_id"]: r for r in query(warehouse, "SELECT * FROM restricted.student_feedback")}
    assert sorted(feedback) == ["r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09", "r10", "r11",
                                "r12", "r13", "r14", "s01", "s02"]
    referrals = {rid: row["referrals"] for rid, row in feedback.items()}
    assert referrals == {
        "r01": "decaan", "r02": "ehealth,veerkracht", "r03": "ehealth", "r04": "psycholoog,ssc_buddy,slb",
        "r05": "psycholoog,ssc_buddy", "r06": "psycholoog,slb", "r07": "psycholoog", "r08": "psycholoog",
        "r09": "ehealth", "r10": "ehealth", "r11": "psycholoog", "r12": "alles_goed", "r13": "psycholoog",
        "r14": "alles_goed", "s01": "ehealth", "s02": "psycholoog",
    }
    r04 = feedback["r04"]
    assert (r04["k10_score"], r04["k10_band"], r04["djg_score"], r04["djg_band"]) == (30.0, "hoog", 6, "sterk eenzaam")
    assert (r04["brs_score"], r04["brs_band"], r04["ee_score"], r04["ee_band"]) == (3.0, "normaal", 2.0, "normaal")
    assert (r04["belong_score"], r04["belong_band"], r04["uwes_score"], r04["teacher_score"], r04["life_sat"]) == \
        (4.0, "normaal", 4.0, 4.0, 7)
    assert (feedback["r02"]["brs_score"], feedback["r02"]["brs_band"]) == (2.0, "laag")
    assert (feedback["r05"]["belong_score"], feedback["r05"]["belong_band"]) == (2.0, "laag")
    assert (feedback["r14"]["k10_score"], feedback["r14"]["k10_band"]) == (None, None)
    assert feedback["r01"]["k10_score"] == 10.0  # r01, submitted last, not r00 (K10 50)


def test_feedback_is_restricted_and_not_in_marts(warehouse):
    tables = query(warehouse, """SELECT table_schema, table_name FROM information_schema.tables
                                 WHERE table_name = 'student_feedback'""")
    assert tables == [{"table_schema": "restricted", "table_name": "student_feedback"}]


# --- wellbeing_indicators -------------------------------------------------------------------------------------


def test_institution_indicators(warehouse):
    k10 = indicator(warehouse, "institution", "all", "k10_mean")
    assert k10["n_respondents"] == 13 and not k10["suppressed"]
    assert k10["value"] == pytest.approx(370 / 13)
    assert (k10["ci_low"], k10["ci_high"]) == pytest.approx(mean_interval(K10_2023))

    high = indicator(warehouse, "institution", "all", "k10_high_pct")
    assert (high["n_respondents"], high["value"]) == (13, pytest.approx(100 * 7 / 13))
    assert (high["ci_low"], high["ci_high"]) == pytest.approx(wilson(7, 13))

    expected = {  # indicator: (n_respondents, value)
        "brs_mean": (14, 41 / 14), "life_sat_mean": (14, 7.0), "ee_mean": (14, 31 / 14), "uwes_mean": (14, 4.0),
        "belong_mean": (14, 54 / 14), "teacher_mean": (14, 4.0),
        # part B: only the Haarlem respondents answered it
        "ssc_known_pct": (8, 50.0), "ssc_used_pct": (8, 0.0), "quit_intention_pct": (8, 12.5),
        "support_wanted_pct": (8, 25.0),
        # 14 respondents of 80 + 40 students counted in 2023-Q2
        "response_rate_pct": (14, 100 * 14 / 120),
    }
    for name, (n, value) in expected.items():
        row = indicator(warehouse, "institution", "all", name)
        assert (row["n_respondents"], row["value"], row["suppressed"]) == (n, pytest.approx(value), False), name
    # These shares are 1 of 14, 0 % or 100 %: the yes-answers all lie in Haarlem (or nowhere, or everywhere).
    # With the institution's share published, Delft's two respondents (sensitive, below 3) would be known
    # exactly (all no, or all yes) whatever else is hidden among the locations: Delft + Den Haag = the
    # institution − Haarlem = 0 (or their size), and a count cannot go below 0 (or above its base). Hiding
    # Haarlem with its programme and domain costs 3 × 8 respondents; hiding the institution row and the
    # participants (its other sum, with the non-participants) costs 14 + 3: the optimisation takes that.
    for name in ("brs_low_pct", "lonely_pct", "lonely_severe_pct", "life_sat_7plus_pct", "ee_high_pct",
                 "belong_low_pct", "teacher_involved_pct", "study_stress_often_pct"):
        row = indicator(warehouse, "institution", "all", name)
        assert (row["n_respondents"], row["value"], row["suppressed"], row["suppression_reason"]) == (
            14, None, True, "complementary"), name
        assert by_participation(warehouse, name)["suppressed"], name
    assert indicator(warehouse, "institution", "all", "response_rate_pct")["ci_low"] is None
    ssc_used = indicator(warehouse, "institution", "all", "ssc_used_pct")  # 0 of 8: Wilson still has an upper bound
    assert ssc_used["ci_low"] == pytest.approx(0.0, abs=1e-12) and ssc_used["ci_high"] == pytest.approx(wilson(0, 8)[1])
    teacher = indicator(warehouse, "institution", "all", "teacher_mean")  # no spread: the interval is the mean
    assert (teacher["ci_low"], teacher["ci_high"]) == pytest.approx((4.0, 4.0))


def test_every_group_has_every_indicator(warehouse):
    groups = query(warehouse, """SELECT level, group_name, location, count(*) AS n FROM marts.wellbeing_indicators
                                 WHERE survey_year = 2023 AND level NOT LIKE 'group\\_%' ESCAPE '\\'
                                 GROUP BY ALL ORDER BY ALL""")
    assert {(g["level"], g["group_name"], g["location"]) for g in groups} == {
        ("institution", "all", None),
        ("location", "Haarlem", "Haarlem"), ("location", "Den Haag", "Den Haag"), ("location", "Delft", "Delft"),
        ("domain", "GSW", None), ("domain", "CRB", None), ("domain", "Onbekend", None),
        ("programme", "34116", "Haarlem"), ("programme", "34405", "Den Haag"), ("programme", "99999", "Delft"),
        ("group", "first_year", None), ("group", "international", None), ("group", "first_generation", None),
        ("group", "gender:vrouw", None), ("group", "gender:man", None), ("group", "gender:anders", None),
        ("group", "gender:zeg ik liever niet", None),
    }
    assert {g["n"] for g in groups} == {21}


def test_groups_and_suppression(warehouse):
    # Delft: 1 respondent with a K10 score (primary). Den Haag (4) is its complement among the locations, and
    # Den Haag's only programme 34405 with it (else Den Haag = 34405 would give it away); likewise CRB among
    # the domains (the cheapest cycle: 3 × 5 respondents). Haarlem, GSW and 34116 stay published.
    published = {(r["level"], r["group_name"]): r["suppressed"] for r in query(warehouse, """
        SELECT level, group_name, suppressed FROM marts.wellbeing_indicators
        WHERE survey_year = 2023 AND indicator = 'k10_mean' AND level NOT LIKE 'group\\_%' ESCAPE '\\'""")}
    assert {key for key, suppressed in published.items() if not suppressed} == {
        ("institution", "all"), ("location", "Haarlem"), ("domain", "GSW"), ("programme", "34116"),
        ("group", "first_year"), ("group", "first_generation"), ("group", "gender:vrouw"), ("group", "gender:man")}
    # gender: anders (1) is primary. One respondent with a K10 score has no gender, so the published rows give
    # anders + that one = 370 − 4 × 32.5 − 160 = 80: anders lies anywhere in 30 … 50 (a score is 10 … 50), 20
    # wide where 10 % of the scale (4) is needed: man (4) needs no suppression. zeg ik liever niet has no K10
    # score (n 0: no_data, nothing to hide).
    anders = indicator(warehouse, "group", "gender:anders", "k10_mean")
    assert (anders["n_respondents"], anders["suppressed"], anders["suppression_reason"]) == (1, True, "small_base")
    man = indicator(warehouse, "group", "gender:man", "k10_mean")
    assert (man["n_respondents"], man["suppressed"], man["value"]) == (4, False, pytest.approx(32.5))
    nobody = indicator(warehouse, "group", "gender:zeg ik liever niet", "k10_mean")
    assert (nobody["n_respondents"], nobody["suppression_reason"]) == (0, "no_data")
    first_year = indicator(warehouse, "group", "first_year", "k10_mean")  # r01, r02, r09
    assert (first_year["n_respondents"], first_year["value"]) == (3, pytest.approx(50 / 3))
    haarlem = indicator(warehouse, "location", "Haarlem", "k10_high_pct", location="Haarlem")
    assert (haarlem["n_respondents"], haarlem["value"]) == (8, pytest.approx(62.5))
    programme = indicator(warehouse, "programme", "34116", "k10_mean", location="Haarlem")
    assert programme["domain"] == "GSW" and programme["programme_location_key"] == "34116|Haarlem"
    assert programme["value"] == pytest.approx(250 / 8)
    # part B: only Haarlem answered; the other locations have n 0 and take no part, so Haarlem stays published
    known = indicator(warehouse, "location", "Haarlem", "ssc_known_pct", location="Haarlem")
    assert (known["n_respondents"], known["value"], known["suppressed"]) == (8, 50.0, False)
    assert indicator(warehouse, "location", "Delft", "ssc_known_pct", location="Delft")["n_respondents"] == 0
    # response rates: per group over the 2023-Q2 counts; none for a group without a count or a target group
    rate = indicator(warehouse, "location", "Haarlem", "response_rate_pct", location="Haarlem")
    assert (rate["n_respondents"], rate["value"]) == (8, pytest.approx(10.0))
    assert indicator(warehouse, "domain", "GSW", "response_rate_pct")["value"] == pytest.approx(10.0)
    first_year_rate = indicator(warehouse, "group", "first_year", "response_rate_pct")
    assert (first_year_rate["n_respondents"], first_year_rate["value"], first_year_rate["suppressed"]) == (3, None, False)
    # 2022: two respondents, everything suppressed, counts published
    old = indicator(warehouse, "institution", "all", "k10_mean", year=2022)
    assert (old["n_respondents"], old["value"], old["suppressed"]) == (2, None, True)


def test_target_groups_per_location_and_domain(warehouse):
    """K10, 2023. The five first-generation respondents (r01–r05) are all at Haarlem, in GSW: their row per
    location and per domain is the institution-wide one (22). The first-year students are r01, r02 at Haarlem
    (GSW) and r09 at Den Haag (CRB): all three rows are below WB_MIN_CELL (3), and the institution's first-year
    row (3, published) is their sum, so nothing is lost by hiding them. Genders are not broken down; rows exist
    only where the group has a respondent; none has a response rate."""
    def row(level, group, location=None, domain=None):
        (found,) = query(warehouse, """SELECT * FROM marts.wellbeing_indicators WHERE survey_year = 2023
                                       AND indicator = 'k10_mean' AND level = ? AND group_name = ?
                                       AND location IS NOT DISTINCT FROM ? AND domain IS NOT DISTINCT FROM ?""",
                         [level, group, location, domain])
        return found["n_respondents"], found["value"], found["suppression_reason"]

    assert row("group_location", "first_generation", location="Haarlem") == (5, pytest.approx(22.0), None)
    assert row("group_domain", "first_generation", domain="GSW") == (5, pytest.approx(22.0), None)
    assert row("group_location", "first_year", location="Haarlem") == (2, None, "small_base")
    assert row("group_location", "first_year", location="Den Haag") == (1, None, "small_base")
    assert row("group_domain", "first_year", domain="CRB") == (1, None, "small_base")
    assert row("group_location", "international", location="Den Haag") == (1, None, "small_base")
    assert row("group", "first_year")[:2] == (3, pytest.approx(50 / 3))
    crossed = query(warehouse, """SELECT DISTINCT group_name FROM marts.wellbeing_indicators
                                  WHERE level IN ('group_location', 'group_domain') ORDER BY 1""")
    assert [r["group_name"] for r in crossed] == ["first_generation", "first_year", "international"]
    first_generation_elsewhere = query(warehouse, """SELECT count(*) AS n FROM marts.wellbeing_indicators
        WHERE level IN ('group_location', 'group_domain') AND group_name = 'first_generation'
          AND coalesce(location, domain) NOT IN ('Haarlem', 'GSW')""")
    assert first_generation_elsewhere[0]["n"] == 0
    rates = query(warehouse, """SELECT DISTINCT suppression_reason FROM marts.wellbeing_indicators
                                WHERE level LIKE 'group\\_%' ESCAPE '\\' AND indicator = 'response_rate_pct'
                                  AND NOT suppressed""")
    assert [r["suppression_reason"] for r in rates] == ["no_count"]


# --- weighting (docs/weighting.md) ------------------------------------------------------------------------


def test_weighted_institution_figures_by_hand(warehouse):
    """K10, 2023, the institution: 34116 Haarlem is published and has 80 students (2023-Q2), a stratum of its own:
    8 respondents, weight 80 / 8 = 10. Den Haag's 34405 is suppressed (the complement of Delft) and Delft has no
    student count: both go to the rest, 4 + 1 respondents with 120 − 80 = 40 students, weight 40 / 5 = 8 (the cap,
    5 × 120 / 13 = 46.2, does not bind).

    Σw = 10·8 + 8·5 = 120; Σwy = 10·250 + 8·(80 + 40) = 3460, mean 3460 / 120 = 28.83 (unweighted 370 / 13 =
    28.46); Σw² = 100·8 + 64·5 = 1120, n_eff = 120² / 1120 = 12.86; Σwy² = 10·9300 + 8·3400 = 120200,
    s² = (120200 / 120 − 28.83²)·13 / 12; interval 28.83 ± t(0.975; 11)·s/√n_eff (df 11.86, floored as the
    unweighted intervals are). K10 hoog (≥ 30): 5 of 8 in Haarlem, 2 of 5 in the rest: (10·5 + 8·2) / 120 = 55 %,
    Wilson at n_eff."""
    mean = indicator(warehouse, "institution", "all", "k10_mean")
    n_eff = 120 ** 2 / 1120
    s2 = (120200 / 120 - (3460 / 120) ** 2) * 13 / 12
    half = 2.200985160 * math.sqrt(s2 / n_eff)
    assert (mean["value"], mean["value_weighted"], mean["n_effective"]) == \
        (pytest.approx(370 / 13), pytest.approx(3460 / 120), pytest.approx(n_eff))
    assert (mean["ci_low_weighted"], mean["ci_high_weighted"]) == \
        (pytest.approx(3460 / 120 - half), pytest.approx(3460 / 120 + half))
    high = indicator(warehouse, "institution", "all", "k10_high_pct")
    low, up = wilson(0.55 * n_eff, n_eff)
    assert (high["value_weighted"], high["ci_low_weighted"], high["ci_high_weighted"]) == \
        (pytest.approx(55.0), pytest.approx(low), pytest.approx(up))
    # one stratum: Haarlem's weighted figure is its figure; suppressed rows and target groups have none
    haarlem = indicator(warehouse, "location", "Haarlem", "k10_mean", location="Haarlem")
    assert (haarlem["value_weighted"], haarlem["n_effective"]) == (pytest.approx(250 / 8), pytest.approx(8))
    assert (haarlem["ci_low_weighted"], haarlem["ci_high_weighted"]) == \
        (pytest.approx(haarlem["ci_low"]), pytest.approx(haarlem["ci_high"]))
    assert indicator(warehouse, "location", "Den Haag", "k10_mean", location="Den Haag")["value_weighted"] is None
    assert indicator(warehouse, "group", "gender:man", "k10_mean")["value_weighted"] is None
    assert indicator(warehouse, "institution", "all", "response_rate_pct")["value_weighted"] is None


# --- wellbeing_by_participation ---------------------------------------------------------------------------


def by_participation(warehouse, name, year=2023):
    (row,) = query(warehouse, "SELECT * FROM marts.wellbeing_by_participation WHERE survey_year = ? AND indicator = ?",
                   [year, name])
    return row


def test_by_participation_means_welch(warehouse):
    participants, others = [10, 20, 20], [30, 30, 40, 50, 50, 20, 20, 30, 10, 40]
    row = by_participation(warehouse, "k10_mean")
    assert (row["n_participants"], row["n_non_participants"], row["suppressed"]) == (3, 10, False)
    assert row["value_participants"] == pytest.approx(50 / 3)
    assert row["value_non_participants"] == pytest.approx(32.0)
    assert row["difference"] == pytest.approx(50 / 3 - 32)
    a = stats.tvar(participants) / 3
    b = stats.tvar(others) / 10
    df = (a + b) ** 2 / (a * a / 2 + b * b / 9)
    assert df < 30  # the t table at floor(df): a slightly wider interval than scipy's exact fractional df
    half = stats.t.ppf(0.975, math.floor(df)) * math.sqrt(a + b)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((50 / 3 - 32 - half, 50 / 3 - 32 + half))
    exact = stats.ttest_ind(participants, others, equal_var=False).confidence_interval(0.95)
    assert row["ci_low"] <= exact.low and row["ci_high"] >= exact.high


def test_by_participation_percentages_newcombe(warehouse):
    row = by_participation(warehouse, "support_wanted_pct")  # participants r01 ja, r02 nee, r03 ja; others 0 of 5
    assert (row["n_participants"], row["n_non_participants"]) == (3, 5)
    p1, p2 = 200 / 3, 0.0
    assert (row["value_participants"], row["value_non_participants"]) == (pytest.approx(p1), pytest.approx(p2))
    (l1, u1), (l2, u2) = wilson(2, 3), wilson(0, 5)
    low = (p1 - p2) - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = (p1 - p2) + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    assert (row["difference"], row["ci_low"], row["ci_high"]) == pytest.approx((p1 - p2, low, high))


def test_by_participation_suppressed_when_a_group_is_small(warehouse):
    row = by_participation(warehouse, "k10_mean", year=2022)  # p04 participated in 2022, p01 did not
    assert (row["n_participants"], row["n_non_participants"], row["suppressed"]) == (1, 1, True)
    # hours run from 2022-Q1 (h4) to 2023-Q4 (h3): the May 2022 responses' windows (2021-Q3 … 2022-Q2) reach
    # back before the first delivery; the 2023 ones (2022-Q3 … 2023-Q2, July: … 2023-Q3) do not
    assert row["n_respondents_window_incomplete"] == 2
    assert by_participation(warehouse, "k10_mean")["n_respondents_window_incomplete"] == 0
    assert [row[c] for c in ("value_participants", "value_non_participants", "difference", "ci_low", "ci_high")] \
        == [None] * 5
    assert query(warehouse, "SELECT count(*) AS n FROM marts.wellbeing_by_participation")[0]["n"] == 2 * 20


def test_by_participation_per_domain_and_standardised(warehouse):
    """K10, 2023. Every participant is in GSW (Haarlem): participants r01–r03 (10, 20, 20), non-participants r04–r08
    (30, 30, 40, 50, 50), difference 50/3 − 40 = −23.33, standard error √(33.33/3 + 100/5) = √31.11. CRB (Den Haag)
    has no participant: no difference, and its non-participants are its domain row, which is withheld (Delft's
    complement), so they are too. The domain-standardised difference is GSW's alone (one domain published),
    ± 1.96 × the standard error; p two-sided normal."""
    rows = {r["domain"]: r for r in query(warehouse, """SELECT * FROM marts.wellbeing_by_participation_and_domain
                                                        WHERE survey_year = 2023 AND indicator = 'k10_mean'""")}
    assert set(rows) == {"GSW", "CRB", "Onbekend"}
    gsw = rows["GSW"]
    assert (gsw["n_participants"], gsw["n_non_participants"], gsw["suppressed"]) == (3, 5, False)
    assert (gsw["value_participants"], gsw["value_non_participants"], gsw["difference"]) == \
        (pytest.approx(50 / 3), pytest.approx(40.0), pytest.approx(50 / 3 - 40))
    crb = rows["CRB"]
    assert (crb["n_participants"], crb["n_non_participants"], crb["value_non_participants"], crb["difference"]) == \
        (0, 4, None, None)
    assert crb["suppressed"] and crb["suppression_reason"] == "complementary"
    row = by_participation(warehouse, "k10_mean")
    se = math.sqrt((100 / 3) / 3 + 100 / 5)
    assert (row["difference_domain_standardised"], row["n_domains_standardised"]) == \
        (pytest.approx(50 / 3 - 40), 1)
    assert (row["ci_low_domain_standardised"], row["ci_high_domain_standardised"]) == \
        (pytest.approx(50 / 3 - 40 - Z * se), pytest.approx(50 / 3 - 40 + Z * se))
    assert row["p_value_domain_standardised"] == pytest.approx(2 * stats.norm.sf((40 - 50 / 3) / se), abs=2e-7)
    crude_se = math.sqrt((100 / 3) / 3 + stats.tvar([30, 30, 40, 50, 50, 20, 20, 30, 10, 40]) / 10)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf((32 - 50 / 3) / crude_se), abs=2e-7)


def test_q_values_are_benjamini_hochberg_per_year(warehouse):
    """The q-values of a year are scipy's Benjamini–Hochberg adjustment of that year's published p-values."""
    rows = query(warehouse, """SELECT indicator, p_value, q_value, p_value_domain_standardised AS ps,
                                      q_value_domain_standardised AS qs
                               FROM marts.wellbeing_by_participation WHERE survey_year = 2023 ORDER BY indicator""")
    for p_column, q_column in (("p_value", "q_value"), ("ps", "qs")):
        tested = [r for r in rows if r[p_column] is not None]
        assert len(tested) >= 5
        expected = stats.false_discovery_control([r[p_column] for r in tested], method="bh")
        assert [r[q_column] for r in tested] == pytest.approx(list(expected))
        assert all(r[q_column] is None for r in rows if r[p_column] is None)


def test_changes_are_published_only_where_both_years_are(warehouse):
    """2022 has two respondents, all withheld: the 2023 institution row's change is withheld for last year's
    sake, with both counts published; no survey year before 2022, so no row for it."""
    (row,) = query(warehouse, """SELECT * FROM marts.wellbeing_changes WHERE survey_year = 2023 AND level = 'institution'
                                 AND indicator = 'k10_mean'""")
    assert (row["previous_survey_year"], row["n_respondents"], row["previous_n_respondents"]) == (2022, 13, 2)
    assert (row["suppressed"], row["suppression_reason"], row["change"], row["value"]) == (True, "previous_year", None, None)
    assert indicator(warehouse, "institution", "all", "k10_mean")["value"] == pytest.approx(sum(K10_2023) / 13)
    years = query(warehouse, "SELECT DISTINCT survey_year FROM marts.wellbeing_changes")
    assert [r["survey_year"] for r in years] == [2023]


def test_representativeness_against_the_reference_quarters_counts(warehouse):
    """2023: 14 counted respondents, 120 students in 2023-Q2 (Haarlem 80, Den Haag 40). Haarlem 8 respondents:
    8/14 of the respondents, 80/120 of the students, ratio (8/14)/(2/3) = 6/7; Den Haag 4: (4/14)/(1/3) = 6/7;
    Delft 2 respondents and no student count: no student share, no ratio."""
    rows = {r["group_name"]: r for r in query(
        warehouse, "SELECT * FROM marts.wellbeing_representativeness WHERE survey_year = 2023 AND level IN "
                   "('institution', 'location')")}
    assert set(rows) == {"all", "Haarlem", "Den Haag", "Delft"}
    assert (rows["all"]["n_respondents"], rows["all"]["n_students"], rows["all"]["reference_quarter"]) == \
        (14, 120, "2023-Q2")
    haarlem, den_haag, delft = rows["Haarlem"], rows["Den Haag"], rows["Delft"]
    assert (haarlem["respondent_share_pct"], haarlem["student_share_pct"], haarlem["representation_ratio"]) == \
        (pytest.approx(800 / 14), pytest.approx(200 / 3), pytest.approx(6 / 7))
    assert (den_haag["respondent_share_pct"], den_haag["representation_ratio"]) == \
        (pytest.approx(400 / 14), pytest.approx(6 / 7))
    assert (delft["n_respondents"], delft["n_students_incomplete"], delft["student_share_pct"]) == (2, True, None)


# --- the sanity table (orchestration/sanity.py) ----------------------------------------------------------


def test_sanity_table(warehouse, capsys):
    from orchestration.sanity import print_wellbeing_sanity_table

    rows = print_wellbeing_sanity_table(warehouse)
    out = capsys.readouterr().out
    assert "Survey year 2022" in out and "Survey year 2023" in out
    k10 = next(r for r in rows if r["survey_year"] == 2023 and r["indicator"] == "k10_high_pct")
    # K10 `hoog` and the national monitor's MHI-5 complaints are not the same measure: shown, not judged
    assert (k10["n"], round(k10["value"], 1), k10["published"], k10["national_range"]) == \
        (13, 53.8, "national: MHI-5, psychological complaints", "not compared")
    assert "K10" in k10["label"]
    # the same instrument (a 0-10 ladder): every respondent answered 7, against the national 6.0-6.7 ± 0.2
    life = next(r for r in rows if r["survey_year"] == 2023 and r["indicator"] == "life_sat_mean")
    assert (life["value"], life["weighted"], life["published"], life["national_range"]) == \
        (7.0, pytest.approx(7.0), "national 2021/2023: 6-6.7", "outside")
    assert "ladder" in life["label"]
    assert [r["indicator"] for r in rows if r["survey_year"] == 2023][:2] == ["k10_mean", "k10_high_pct"]
    old = next(r for r in rows if r["survey_year"] == 2022 and r["indicator"] == "k10_mean")
    assert old["suppressed"] and old["value"] is None
    assert "suppr." in out
