// Vite builds the web clients into dist/, which is committed and embedded in
// the Go binary (web/embed.go). One multi-page build: the console at / (this
// directory's index.html); the field app will join as app/index.html.
//
// The build must be reproducible: `make web` on another machine, from the same
// package-lock.json, gives byte-identical files (.ci/run checks it), so
// nothing here may depend on the time, the path or the environment.
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: {
      '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)),
      '@console': fileURLToPath(new URL('./src/console', import.meta.url)),
    },
  },
  define: {
    // Vue and vue-i18n feature flags, fixed so the bundle does not change.
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    // vue-i18n compiles messages without eval/new Function (CSP: no unsafe-eval).
    __INTLIFY_JIT_COMPILATION__: 'true',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // The server serves /assets/{file} only: no nested directories.
    assetsInlineLimit: 0,
    sourcemap: false,
    // No inline polyfill script (the CSP allows no inline script).
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
    rolldownOptions: {
      input: {
        console: fileURLToPath(new URL('./index.html', import.meta.url)),
      },
    },
  },
  server: {
    // `npx vite` during development proxies the API to a local `xiezhi serve`.
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/.well-known': 'http://127.0.0.1:8080',
    },
  },
})
