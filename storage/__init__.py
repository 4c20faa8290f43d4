"""Storage: SQLAlchemy models, repositories and Alembic migrations. The only place that speaks SQL."""
