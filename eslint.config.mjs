// ESLint 9 (flat config) with typescript-eslint's recommended rules; Prettier owns the layout
// (`npm run format`), and eslint-config-prettier turns off any rule that would fight it.
// `npm run lint` (run by `npm test`) checks both.
import js from "@eslint/js";
import comments from "@eslint-community/eslint-plugin-eslint-comments";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

const browserGlobals = Object.fromEntries(
  [
    "document",
    "window",
    "location",
    "history",
    "navigator",
    "fetch",
    "URLSearchParams",
    "setTimeout",
    "clearTimeout",
    "crypto",
    "TextEncoder",
    "Node",
    "console",
  ].map((g) => [g, "readonly"]),
);
const nodeCommonJsGlobals = {
  require: "readonly",
  module: "writable",
  exports: "writable",
  __dirname: "readonly",
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
};

export default tseslint.config(
  { ignores: ["dist/**", "**/node_modules/**", ".keyplane/**", "tools/**", "examples/**/bin/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "@eslint-community/eslint-comments": comments },
    rules: {
      // No eslint-disable without its reason (`// eslint-disable-next-line rule -- why`).
      "@eslint-community/eslint-comments/require-description": [
        "error",
        { ignore: ["eslint-enable"] },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/no-unused-expressions": [
        "error",
        { allowShortCircuit: true, allowTernary: true },
      ],
    },
  },
  {
    // No file over 500 lines (issue 12): past that, split by concern. Generated code (sdks/, and
    // the build output ignored above) is regenerated, not edited, so it is left out.
    files: ["**/*.{ts,js,mjs,cjs}"],
    ignores: ["sdks/**"],
    rules: { "max-lines": ["error", { max: 500 }] },
  },
  {
    // `if (f.x) (where.push("x = ?"), params.push(f.x))` builds SQL clauses, one filter a line.
    files: ["server/store/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
  {
    // Tests read JSON replies of every shape; `any` there is the point, not an accident.
    files: ["test/**/*.ts"],
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    // The shell's loader is serialized into Pulumi state by value: it may only use require and globals.
    files: ["provider/shell.ts"],
    linterOptions: { reportUnusedDisableDirectives: "off" },
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    // The console's page script: an ES module run by the browser.
    files: ["server/console/assets/**/*.js"],
    languageOptions: { sourceType: "module", globals: browserGlobals },
  },
  {
    // Plain CommonJS programs (test fixtures run by the Pulumi engine).
    files: ["**/*.js"],
    ignores: ["server/console/assets/**"],
    languageOptions: { sourceType: "commonjs", globals: nodeCommonJsGlobals },
    rules: {
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-unused-vars": ["error", { args: "none" }],
    },
  },
  prettier,
);
