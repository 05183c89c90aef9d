"""macOS backend: Apple's ``container`` CLI driven as a subprocess (argv lists only, never a shell).

``cli.py`` runs the executable and maps its failures to mocker's errors; ``argv.py`` translates
Docker's create options into the CLI's spelling and rules; ``shapes.py`` reads the CLI's JSON (the
1.x ``{id, configuration, status}`` shapes and the older flat 0.x ones) into plain records. The
engine (``mocker/engine/apple/``) builds Docker's output from those records.
"""
