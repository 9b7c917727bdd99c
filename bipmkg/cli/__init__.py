"""The `bipmkg` command: one module per command group (`main`, `network`)."""
