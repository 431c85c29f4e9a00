/// <reference types="vitest/config" />
// The web app's build: into web/dist/, which Flask (web/spa.py) serves. Hashed file names under
// /assets/ are cached for a year; index.html is never cached.
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  base: "/",
  build: {
    outDir: "../web/dist",
    emptyOutDir: true,
    assetsDir: "assets",
  },
  server: {
    // `npm run dev` against `make run` on :8000
    proxy: { "/api": "http://127.0.0.1:8000", "/login": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});
