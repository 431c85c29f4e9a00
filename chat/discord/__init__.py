"""Discord: Ed25519 interaction signatures, interaction parsing, embeds, the REST API."""
