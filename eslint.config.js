// ESLint flat config. Style (quotes, semicolons, wrapping) is Prettier's job (.prettierrc);
// these rules are about correctness in strict TypeScript.
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '.tmp/**',
      '**/*.d.ts',
      '**/*.d.mts',
      // The Next.js app is type-checked by its own `next build` (tsconfig with JSX and DOM).
      'examples/app/**/*.ts',
      'examples/app/**/*.tsx',
      'examples/app/.next/**',
      'examples/app/node_modules/**',
      'examples/app/src/app/(payload)/**',
    ],
  },
  {
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // Type information for the few rules below that need it (tsconfig.json covers src, test,
        // examples and bench).
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Promises must be awaited, returned or explicitly voided: a dropped DynamoDB write is a bug.
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],

      // `any` switches the type checker off. Where it is really needed, disable the rule on that
      // line and say why: `// eslint-disable-next-line @typescript-eslint/no-explicit-any -- <reason>`.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': [
        'error',
        { 'ts-expect-error': 'allow-with-description', minimumDescriptionLength: 10 },
      ],
      '@typescript-eslint/no-non-null-assertion': 'warn',

      // Type-only imports stay type-only (`import type`), so the ESM output never imports a module
      // just for its types.
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'separate-type-imports', prefer: 'type-imports' },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/consistent-type-definitions': ['error', 'type'],

      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          caughtErrors: 'none',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
          varsIgnorePattern: '^_',
        },
      ],

      // As in Payload's own config: braces everywhere, reported as a warning (`eslint --fix` adds them).
      curly: ['warn', 'all'],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
      'no-restricted-syntax': [
        'error',
        {
          message: 'Relative imports need the .js extension under NodeNext module resolution.',
          selector:
            'ImportDeclaration[source.value=/^\\.\\.?\\//]:not([source.value=/\\.(c|m)?js$|\\.json$/])',
        },
      ],
      'object-shorthand': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // Key codecs match control characters on purpose (escapes in order-preserving encodings).
    files: ['src/keys/**/*.ts'],
    rules: {
      'no-control-regex': 'off',
    },
  },
  {
    // Tests may use Jest's looser idioms.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // This file and other plain JavaScript: no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      // Node.js globals (plain .js/.mjs files here are Node scripts and configs).
      globals: {
        Buffer: 'readonly',
        URL: 'readonly',
        clearTimeout: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        process: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
)
