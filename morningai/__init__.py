"""MorningAI's command line and local service provisioning."""
