"""The frame table part (ramtabell): the nämnder's frames, the year's changes (Förändringar), the frame table sheet computed from them.

See ``xlmodel.workbook.parts`` for the contract and docs/architecture.md for the map."""
