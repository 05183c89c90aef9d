"""Engine verbs for the apple backend: Apple's `container` CLI owns containers and images."""
