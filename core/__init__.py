"""The kernel every outer layer may use: texts, the resolved configuration and the typed
callback fields (tests/test_architecture.py has the layer map)."""
