"""The resultatbudget part: the budget years' result lines and the financial goals.

See ``xlmodel.workbook.parts`` for the contract and docs/architecture.md for the map."""
