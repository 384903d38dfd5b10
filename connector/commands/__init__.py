"""The `leadbridge` subcommands, one module per family; each module has ``register(app)``."""
