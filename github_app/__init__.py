"""MorningAI's face to GitHub: webhook parsing and intake, and the REST client (App auth, repository
client, Git Data API publishing, retry)."""
