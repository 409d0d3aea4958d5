"""The `watchd` command line: the top layer (cli -> api -> watchd -> devices -> common)."""
