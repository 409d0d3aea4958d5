"""ZKTeco ADMS ("PUSH", iclock) terminals: the device calls watchd over HTTP (see api/routes/adms.py)."""
