"""Use cases and their ports. Imports the domain only."""
