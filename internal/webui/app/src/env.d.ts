// Declarations of what the page has besides its modules: the stylesheet
// esbuild bundles, and the read-only test hook main.ts puts on window.

declare module '*.css';

interface Window {
  __tidewatch?: object;
}
