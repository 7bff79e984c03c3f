// Lint rules, including the one-way dependency graph of src/ (see docs/architecture.md):
// a module may import only modules listed before it, plus core. Protocol and media code can
// therefore never reach the database or the HTTP API.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = [
  'core',
  'config',
  'codecs',
  'rtp',
  'rtsp',
  'onvif',
  'media',
  'timeline',
  'storage',
  'analytics',
  'streams',
  'webrtc',
  'recorder',
  'hls',
  'db',
  'jobs',
  'app',
  'api',
  'main',
  'cli',
];

const layerRules = layers.map((layer, i) => {
  const forbidden = layers.slice(i + 1);
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.length
            ? [
                {
                  regex: `^\\.\\.?/(\\.\\./)*(${forbidden.join('|')})(/|$)`,
                  message: `src/${layer} may not import ${forbidden.join(', ')}: dependencies point one way (docs/architecture.md)`,
                },
              ]
            : [],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', '.cache/', 'src/web/dist/', 'web/src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...layerRules,
  {
    // One place reads the environment: src/config (loadConfig). Everything else is handed its values.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'read the environment through loadConfig() in src/config (docs/architecture.md)',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
  },
);
