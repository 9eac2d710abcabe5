"""GET /api/runs/{run_id}/breakdown, /api/runs/{run_id}/monte-carlo and /api/compare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, TypeAdapter

from ...services import analysis
from ...trades.monte_carlo import DEFAULT_SEED, DEFAULT_SIMULATIONS, MAX_SIMULATIONS
from ..analysis_params import AnalysisCacheDep, SubsetDep
from ..csv_answers import FormatQuery, csv_response, wants_csv
from ..deps import SessionDep, require_run
from ..errors import UnprocessableError
from ..json_response import SafeJSONResponse
from ..params import MAX_INT64, RunIdPath, StoredRunId
from ..schemas.analysis import Breakdown, BreakdownBy, BreakdownRow, Comparison, MonteCarlo
from ..schemas.common import error_responses, format_utc
from ..schemas.runs import EquityPoint, Statistics

router = APIRouter(tags=["analysis"])

MIN_COMPARED, MAX_COMPARED = 2, 6
_BREAKDOWN_ROWS = TypeAdapter(list[BreakdownRow])


class _ComparedPart(BaseModel):
    statistics: Statistics | None
    equity: list[EquityPoint]


_COMPARED_PART = TypeAdapter(_ComparedPart)


@router.get(
    "/api/runs/{run_id}/breakdown",
    operation_id="analysis-breakdown",
    summary="Closed trades grouped by a key",
    description='analytics.md "Breakdowns": rows per key of `by` (exit time\'s day, ISO '
    "week, month, year; entry time's hour, ISO weekday; symbol, account, side, duration "
    "bucket), in key order, keys without trades left out. Time keys are local to `tz` "
    "(UTC, or an IANA name such as `America/New_York`, daylight saving time included). "
    "With `Accept: text/csv` or `format=csv`: the rows as CSV under a header of their "
    "field names.",
    response_model=Breakdown,
    responses=error_responses(404, 422, 503),
)
def get_breakdown(
    request: Request,
    session: SessionDep,
    cache: AnalysisCacheDep,
    run_id: RunIdPath,
    subset: SubsetDep,
    by: Annotated[BreakdownBy, Query(description="The key to group by")],
    tz: Annotated[str, Query(max_length=64, description="UTC or an IANA time zone")] = "UTC",
    format: FormatQuery = None,  # noqa: A002 - the query parameter's name
) -> Breakdown | Response:
    zone = analysis.parse_zone(tz)  # UnknownTimeZoneError: 422
    require_run(session, run_id)
    rows = analysis.run_breakdown(session.connection(), cache, run_id, by, zone, **subset.values)
    if wants_csv(request, format):
        cleaned = _BREAKDOWN_ROWS.dump_python(_BREAKDOWN_ROWS.validate_python(rows), mode="json")
        return csv_response(list(BreakdownRow.model_fields), [cleaned], f"breakdown-{by}.csv")
    return Breakdown.model_validate(
        {"run_id": run_id, "by": by, "tz": tz, "subset": subset.values, "rows": rows}
    )


@router.get(
    "/api/runs/{run_id}/monte-carlo",
    operation_id="analysis-monte-carlo",
    summary="Monte Carlo of the run's closed trades",
    description='analytics.md "Monte Carlo": `simulations` resamplings (with '
    "replacement, `numpy.random.default_rng(seed)`) of the closed trades' net PnL; the "
    "5th to 95th percentiles of net profit and max drawdown and the probability of a "
    "profit. The same seed gives the same answer.",
    responses=error_responses(404, 422, 503),
)
def get_monte_carlo(
    session: SessionDep,
    cache: AnalysisCacheDep,
    run_id: RunIdPath,
    subset: SubsetDep,
    simulations: Annotated[
        int, Query(ge=1, le=MAX_SIMULATIONS, description="Simulated runs")
    ] = DEFAULT_SIMULATIONS,
    seed: Annotated[int, Query(ge=0, le=MAX_INT64, description="The generator's seed")] = (
        DEFAULT_SEED
    ),
) -> MonteCarlo:
    require_run(session, run_id)
    result = analysis.run_monte_carlo(
        session.connection(), cache, run_id, simulations, seed, **subset.values
    )
    return MonteCarlo.model_validate({"run_id": run_id, "subset": subset.values, **result})


@router.get(
    "/api/compare",
    operation_id="analysis-compare",
    summary="Several runs side by side",
    description=f"{MIN_COMPARED} to {MAX_COMPARED} runs (`run_id` repeated), each with its "
    "statistics (both analytics.md tables) and its equity and drawdown curve, to overlay "
    "on one time axis.",
    response_model=Comparison,
    responses=error_responses(404, 422, 503),
)
def compare(
    session: SessionDep,
    cache: AnalysisCacheDep,
    run_id: Annotated[list[StoredRunId], Query(description="A run to compare (repeat it)")],
    points: Annotated[
        int, Query(ge=10, le=10_000, description="At most this many points per curve")
    ] = 1_000,
) -> Comparison | Response:
    if not MIN_COMPARED <= len(run_id) <= MAX_COMPARED:
        raise UnprocessableError(
            f"run_id: compare {MIN_COMPARED} to {MAX_COMPARED} runs, not {len(run_id)}"
        )
    if len(set(run_id)) != len(run_id):
        raise UnprocessableError("run_id: each run once")
    runs = analysis.compare_runs(
        session.connection(), cache, run_id, points, present=_compared_part
    )  # UnknownRunsError: 404
    for run in runs:
        run["updated_at"] = run["updated_at"] and format_utc(run["updated_at"])
    # Each run's statistics and curve come validated and in their JSON form (kept with the
    # run's trades): thousands of curve points are not validated again on every request.
    return SafeJSONResponse({"runs": runs})


def _compared_part(part: dict[str, Any]) -> dict[str, Any]:
    """A run's statistics and curve as ComparedRun answers them (cleaned numbers, UTC
    times), validated once."""
    return _COMPARED_PART.dump_python(_COMPARED_PART.validate_python(part), mode="json")


def setup(app: FastAPI) -> None:
    app.include_router(router)
