"""Orders, execution quality and data-quality findings of a run (analytics.md), beside
the trade builder: pure vectorised computations on columns (execution.py, checks.py),
what they read (reading.py), the run's assessment (assessment.py) and its store."""
