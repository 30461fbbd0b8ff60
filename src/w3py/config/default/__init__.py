"""Package data: the embedded default applicationHost.config."""
