"""Scripts that build the project's bundled resources."""
