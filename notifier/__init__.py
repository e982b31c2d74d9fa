"""Scheduled work: the scheduler's lifecycle and thin jobs; later, the outbox sender."""
