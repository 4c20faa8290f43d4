"""KaderBot runtime: settings, CLI, channels, web server, scheduler."""
