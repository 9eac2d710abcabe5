"""GET /api/instruments, PUT /api/instruments/{symbol} (rebuilds the symbol's trades)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Path

from ...services import instruments
from ..deps import EngineDep, EventBusDep, SessionDep, WriteAccess
from ..params import Ident
from ..schemas.common import error_responses
from ..schemas.instruments import InstrumentIn, InstrumentOut, InstrumentUpdated

router = APIRouter(prefix="/api/instruments", tags=["instruments"])


@router.get(
    "",
    operation_id="instruments-list",
    summary="List instruments",
    description="Configured instruments and every traded symbol without one (point value 1),"
    " each with the decimals its prices are shown with.",
    responses=error_responses(503),
)
def list_instruments(session: SessionDep) -> list[InstrumentOut]:
    return [
        InstrumentOut.model_validate(row)
        for row in instruments.list_instruments(session.connection())
    ]


@router.put(
    "/{symbol:path}",
    operation_id="instruments-put",
    summary="Set an instrument's point value, tick size and currency",
    description="Creates or updates the instrument with the user's values: a field left out "
    "keeps its stored value, `null` clears the tick size or currency. Imports never overwrite "
    "them (an import's differing value is listed as a conflict in its report). Every run's "
    "trades of the symbol are rebuilt before the answer (PnL, excursions and statistics use "
    "the new point value). A run whose rebuild fails is listed in `failed_runs` with the "
    "reason (its analysis shows as failed); the instrument is stored all the same.",
    dependencies=[WriteAccess],
    responses=error_responses(401, 422, 503),
)
def put_instrument(
    engine: EngineDep,
    event_bus: EventBusDep,
    symbol: Annotated[Ident, Path(description="e.g. `ES 12-25` (URL-encoded)")],
    body: InstrumentIn,
) -> InstrumentUpdated:
    instrument, runs, trades, failed = instruments.set_instrument(
        engine, symbol, body.model_dump(exclude_unset=True), event_bus=event_bus
    )
    return InstrumentUpdated.model_validate(
        {"instrument": instrument, "rebuilt_runs": runs, "trades": trades, "failed_runs": failed}
    )


def setup(app: FastAPI) -> None:
    app.include_router(router)
