"""The balanskrav part: balanskravsresultat per year and the restoration ledger.

See ``xlmodel.workbook.parts`` for the contract and docs/architecture.md for the map."""
