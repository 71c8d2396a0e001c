"""Sub-commands of the gridxl CLI: each module here defines register(subparsers)."""
