"""The widgets of the run screen, one a file."""
