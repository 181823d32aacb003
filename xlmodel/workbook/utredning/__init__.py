"""The delårsrapport's balanskravsutredning part.

See ``xlmodel.workbook.parts`` for the contract and docs/architecture.md for the map."""
