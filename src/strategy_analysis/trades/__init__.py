"""Round-trip trades, lot matches, excursions and run statistics rebuilt from executions.

``builder`` (trades from executions), ``excursions`` (MAE/MFE/ETD from bars) and
``statistics`` are pure numpy; ``rebuild`` loads from and writes to the database.
"""
