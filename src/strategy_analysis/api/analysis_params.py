"""The analysis endpoints' subset parameters (api.md "Analysis") and the analysis cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query, Request

from ..services.analysis import AnalysisCache
from .params import Ident


@dataclass(frozen=True)
class SubsetParams:
    side: Literal["LONG", "SHORT"] | None
    symbol: str | None
    account: str | None

    @property
    def values(self) -> dict[str, str | None]:
        return {"side": self.side, "symbol": self.symbol, "account": self.account}


def subset_params(
    side: Annotated[
        Literal["long", "short", "LONG", "SHORT"] | None,
        Query(description="Only the LONG or SHORT trades"),
    ] = None,
    symbol: Annotated[Ident | None, Query(description="Only this symbol's trades")] = None,
    account: Annotated[Ident | None, Query(description="Only this account's trades")] = None,
) -> SubsetParams:
    upper: Literal["LONG", "SHORT"] | None = None
    if side is not None:
        upper = "LONG" if side.upper() == "LONG" else "SHORT"
    return SubsetParams(side=upper, symbol=symbol, account=account)


def get_analysis_cache(request: Request) -> AnalysisCache:
    return request.app.state.analysis_cache


SubsetDep = Annotated[SubsetParams, Depends(subset_params)]
AnalysisCacheDep = Annotated[AnalysisCache, Depends(get_analysis_cache)]
