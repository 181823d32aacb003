"""Performance benchmarks of xlmodel (issue 6): ``python -m bench`` or ``make bench``.

Every figure is a ratio to a baseline measured in the same run on the same machine
(openpyxl reading the same file, a plain Python call, ``python -c pass``, one core),
so the table in ``bench/RESULTS.md`` means the same on another machine. The inputs
are generated (``bench.generate``) through the real builder, never checked in.

Nothing here is a test: the benchmarks are not timed assertions. ``tests/test_bench_smoke.py``
only checks that the generators and the report still run at a tiny size.
"""
