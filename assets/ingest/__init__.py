"""Ingestion of the landing zone: one module per source system, one engine for the loading rules."""
