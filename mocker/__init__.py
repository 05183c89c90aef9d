"""mocker: a daemonless, Docker-compatible container tool."""

__version__ = "0.1.0"
