#!/usr/bin/env bash
# Compiles the export library and its console test program into build/ with Mono's C#
# compiler at language level C# 5 (what NinjaTrader 8 compiles), warnings as errors.
set -euo pipefail
cd "$(dirname "$0")"
MCS="${MCS:-mcs}"
FLAGS=(-langversion:5 -warnaserror+ -warn:4 -debug -nologo)
REFS=(-r:System.dll -r:System.Core.dll -r:System.Data.dll -r:System.Net.Http.dll)
mkdir -p build

set -x
"$MCS" "${FLAGS[@]}" -target:library -out:build/StrategyAnalysis.Export.dll "${REFS[@]}" src/*.cs
"$MCS" "${FLAGS[@]}" -target:exe -out:build/StrategyAnalysis.Export.Tests.exe "${REFS[@]}" \
    -r:Mono.Data.Sqlite.dll -r:build/StrategyAnalysis.Export.dll tests/*.cs
# The NinjaTrader glue needs NinjaTrader's assemblies; check its syntax at C# 5 only.
"$MCS" -langversion:5 -nologo --parse NinjaTraderGlue/StackedImbalanceStrategyDue.Glue.cs.txt
