"""The standing fault suite: crawls, commands and mail against injected faults, each test
stating the outcome it expects."""
