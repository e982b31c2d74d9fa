"""Multi-step flows, one package each: states + router; each step validates, then calls one
service method."""
