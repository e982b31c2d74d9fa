"""Persistence: SQLAlchemy models, repositories returning domain objects, migrations,
the database-backed dialog state and update de-duplication."""
