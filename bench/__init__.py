"""Benchmarks of Socle on the national open data: ``make bench`` (``python -m bench``).

Each figure is printed next to a baseline measured in the same run, so that the ratio says
something even on a slow or busy machine. The benchmark never fails: it reports.
"""
