"""The chart sheet part (Diagram): the frame table and the restoration ledger as charts.

See ``xlmodel.workbook.parts`` for the contract and docs/architecture.md for the map."""
