"""Database layer: models, engine, migrations runner, bulk upserts."""
