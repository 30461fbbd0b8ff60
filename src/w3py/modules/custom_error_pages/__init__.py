"""Page templates of CustomErrorModule (``w3py.modules.custom_error``): package data, no code."""
