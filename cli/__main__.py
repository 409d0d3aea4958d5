"""`python -m cli ...` runs the `watchd` command."""

from cli.main import main

raise SystemExit(main())
