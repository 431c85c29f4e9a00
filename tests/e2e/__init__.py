"""End-to-end tests in a real headless Chromium (Debian's, driven by Playwright)."""
