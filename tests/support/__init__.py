"""Shared test machinery: real stacks on SQLite and PostgreSQL, live servers, privacy sentinels."""
