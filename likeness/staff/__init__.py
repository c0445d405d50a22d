"""Staff accounts and the settings staff change at run time."""
