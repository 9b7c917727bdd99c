"""`python -m bipmkg` runs the command-line interface."""

from bipmkg.cli.main import main

raise SystemExit(main())
