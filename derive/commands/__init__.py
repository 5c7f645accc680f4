"""The subcommands of `derive` that belong to the engine: list, show, check."""
