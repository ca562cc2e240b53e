"""Matching: compile the catalog into tables, match distinct values, join back to events."""
