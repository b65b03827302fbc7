// The widget renderer (embed-amd.js) loads its own files, such as its icon fonts, through
// RequireJS. Resolve them against this script's folder, _static/offline/, on every page.
require.config({ baseUrl: document.currentScript.src.replace(/[^/]*$/, "") });
