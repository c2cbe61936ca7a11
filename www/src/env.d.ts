// Vite's client types: `import.meta.env` and `?raw` imports (a file's text, bundled).
/// <reference types="vite/client" />
