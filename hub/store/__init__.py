"""The system of record: SQLAlchemy tables, the engine and migrations (SQLite or PostgreSQL)."""
