// Names for the generated schema's models, as the pages use them.
import type { components } from "./schema";

type Schemas = components["schemas"];

export type TableCounts = Schemas["TableCounts"];
export type RejectedRecord = Schemas["RejectedRecord"];
export type ConflictRecord = Schemas["ConflictRecord"];
export type ImportReport = Schemas["ImportReport"];
export type ImportSummary = Schemas["ImportOut"];
export type ImportDetail = Schemas["ImportDetail"];
export type Job = Schemas["JobOut"];
export type UploadAccepted = Schemas["UploadAccepted"];
export type Strategy = Schemas["StrategyOut"];
export type Run = Schemas["RunOut"];
export type Statistics = Schemas["Statistics"];
export type Reconciliation = Schemas["Reconciliation"];
export type Trade = Schemas["TradeOut"];
export type TradeDetail = Schemas["TradeDetail"];
export type Execution = Schemas["ExecutionOut"];
export type TradeLot = Schemas["TradeLotOut"];
export type Bar = Schemas["BarOut"];
export type Instrument = Schemas["InstrumentOut"];
