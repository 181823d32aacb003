"""The resursramar part (Region Västernorrland's frames per year and plan years).

See ``xlmodel.workbook.parts`` for the contract and docs/architecture.md for the map."""
