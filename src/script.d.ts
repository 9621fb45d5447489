/**
 * `idsync-web/iife` (dist/idsync.iife.js) and `idsync-web/snippet`
 * (dist/snippet.min.js) are classic scripts for a `<script>` tag, not modules:
 * there is nothing to import from them. Serve the file and load it with a
 * script tag; the global `IDSync` it defines is typed by `idsync-web/global`.
 *
 * @module
 */
export {};
