"""Python assets and the building blocks they share (ingestion, exports, demo data)."""
