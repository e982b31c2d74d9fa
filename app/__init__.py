"""The per-update wiring of use cases over storage and notifier adapters (Services)."""
