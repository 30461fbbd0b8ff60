"""w3py: an IIS-compatible web server for Linux and macOS."""

__version__ = "0.1.0"
SERVER_SOFTWARE = f"w3py/{__version__}"
