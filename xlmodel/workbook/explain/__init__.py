"""``xlmodel forklara``: why a cell holds the number it holds.

For a computed cell: the rule (id and Swedish description), its inputs with their
cells and values, the dated parameters with validity period and legal reference, and
the arithmetic step by step, so an auditor can follow the number from the inputs. For
an input cell: which table and column (or which named parameter) it belongs to.

Nothing here re-implements a rule. Every explanation is read off the core's own
results on the workbook's own inputs, read through the same workbook-layer code that
``validera`` and ``regenerera`` use:

- Ramtabell: ``frames.compute`` → ``FrameTableRow`` (index_base, index_rate, the
  rolled-up columns); the input cells from ``RawTable.where``;
- Resultatbudget: ``resultatbudget.resultatbudget_cells`` / ``goals.evaluate_goal``;
- Balanskrav ledger: ``balanskrav_sheet.ledger_input`` → ``restoration_ledger``
  (deficits with their restorations), the deadline parameter from ``params.lookup``;
- Delårsrapport: ``delarsrapport.utredning_inputs`` → ``balanskravsutredning``.

Whether the stored value agrees with the rule is checked with ``owned.compare_cell``
against the owned cells ``regenerera`` would write; a disagreement is reported
(``mismatch``), never raised.

Display rounding (documented choice): amounts in the arithmetic are shown exactly;
a result with more than two decimals is also shown at two (money.round_half_up), and
a frame-table figure additionally at its published precision (the row's
``Decimaler``), which is the only rounding the rules apply.

Modules: ``model`` (the Explanation, rule texts, display helpers), one module per
explained part (``frametable``, ``resultatbudget``, ``ledger``, ``utredning``; each is
its part's ``Part.explain``), and ``output`` (text and JSON). The job itself - what a
cell is, asking the workbook's parts, generic formula cells, the stored-value check -
is ``xlmodel.workbook.forklara``, above the parts.
"""
