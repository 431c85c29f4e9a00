"""Ground floor: settings, logging context and small shared types; imports nothing of ours."""
