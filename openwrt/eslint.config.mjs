// ESLint configuration for luci-app-ddns-dc: the JavaScript and JSON parts of LuCI's own
// eslint.config.mjs (the root of openwrt/luci, as of LuCI commit daf2e0b, 2026-03-05; read
// 2026-12-03), the rules its CI applies to every .js and .json file of an app. Left out: its
// Markdown section and its JSDoc rules, which LuCI applies to modules/luci-base only.
// tests/luci.rs runs ESLint 9 (LuCI's CI installs eslint@9) with this file over the app, with
// --max-warnings 0; .ci/run installs the pinned packages into target/tools/eslint, and the test
// puts a copy of this file there so that its imports resolve.
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import json from '@eslint/json';
import js from '@eslint/js';

export default defineConfig([
	// JSON files (menu.d, acl.d)
	{
		files: ['**/*.json'],
		ignores: ['package-lock.json'],
		plugins: { json },
		language: 'json/json',
		extends: ['json/recommended'],
		rules: {
			'json/no-duplicate-keys': 'error',
		},
	},
	// JavaScript files (views)
	{
		files: ['**/*.js'],
		language: '@/js',
		plugins: { js },
		extends: ['js/recommended'],
		linterOptions: {
			reportUnusedDisableDirectives: 'off',
		},
		languageOptions: {
			sourceType: 'script',
			ecmaVersion: 2026,
			globals: {
				...globals.browser,
				/* LuCI runtime / cbi exports */
				_: 'readonly',
				N_: 'readonly',
				L: 'readonly',
				E: 'readonly',
				TR: 'readonly',
				cbi_d: 'readonly',
				cbi_strings: 'readonly',
				cbi_d_add: 'readonly',
				cbi_d_check: 'readonly',
				cbi_d_checkvalue: 'readonly',
				cbi_d_update: 'readonly',
				cbi_init: 'readonly',
				cbi_update_table: 'readonly',
				cbi_validate_form: 'readonly',
				cbi_validate_field: 'readonly',
				cbi_validate_named_section_add: 'readonly',
				cbi_validate_reset: 'readonly',
				cbi_row_swap: 'readonly',
				cbi_tag_last: 'readonly',
				cbi_submit: 'readonly',
				cbi_dropdown_init: 'readonly',
				isElem: 'readonly',
				toElem: 'readonly',
				matchesElem: 'readonly',
				findParent: 'readonly',
				sfh: 'readonly',
				renderBadge: 'readonly',
				/* modules ('require x' makes each a parameter of the view's factory) */
				baseclass: 'readonly',
				dom: 'readonly',
				firewall: 'readonly',
				fwtool: 'readonly',
				form: 'readonly',
				fs: 'readonly',
				network: 'readonly',
				nettools: 'readonly',
				poll: 'readonly',
				random: 'readonly',
				request: 'readonly',
				session: 'readonly',
				rpc: 'readonly',
				uci: 'readonly',
				ui: 'readonly',
				uqr: 'readonly',
				validation: 'readonly',
				view: 'readonly',
				widgets: 'readonly',
			},
			parserOptions: {
				ecmaFeatures: {
					// a view ends in a top-level `return view.extend(...)`
					globalReturn: true,
				},
			},
		},
		rules: {
			'strict': 0,
			'no-prototype-builtins': 0,
			'no-empty': 0,
			'no-undef': 'warn',
			'no-unused-vars': ['off', { caughtErrors: 'none' }],
			'no-regex-spaces': 0,
			'no-control-regex': 0,
		},
	},
]);
