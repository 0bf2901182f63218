"""Rules that every stage shares: settings, pseudonymisation, quarters, landing files, the warehouse."""
