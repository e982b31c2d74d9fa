"""The composition root: settings, building engine/Bot/Dispatcher/scheduler, middlewares,
texts, command line."""
