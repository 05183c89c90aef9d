"""The Docker Engine API on a unix socket (``mocker system service``): a second front end over the
same engine the CLI uses.

``server.py`` owns the socket and the HTTP/1.1 plumbing (keep-alive, chunked bodies, streams,
connection hijacking), ``router.py`` the version prefixes and the route table, ``errors.py`` the
mapping from mocker's exceptions to Docker's status codes and ``{"message": ...}`` bodies; one
module per noun holds the endpoints. Nothing here is imported by the CLI's start-up path.
"""
