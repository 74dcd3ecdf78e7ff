// Stylesheets imported by the webview script are bundled by esbuild into media/dist/dashboard.css.
declare module '*.css';
