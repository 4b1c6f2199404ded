"""Storage: SQLAlchemy 2.0 models, the async engine, the unit of work and migrations."""
