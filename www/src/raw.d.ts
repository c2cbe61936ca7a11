// Vite's `?raw` imports: a file's text, bundled into the page.
declare module "*.md?raw" {
  const text: string;
  export default text;
}
