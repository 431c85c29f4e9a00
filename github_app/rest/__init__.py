"""GitHub's REST API by concern, assembled into one client by `github_app.client`."""
