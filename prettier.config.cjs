/** @type {import('prettier').Config} */

// OCA's 18.0 prettier configuration (oca-addons-repo-template). A .cjs file rather
// than .prettierrc.yml: require.resolve finds the plugin in pre-commit's node
// environment (NODE_PATH), a bare plugin name in a YAML file is not found there.
const config = {
    // https://github.com/prettier/prettier/issues/15388#issuecomment-1717746872
    plugins: [require.resolve("@prettier/plugin-xml")],
    bracketSpacing: false,
    printWidth: 88,
    proseWrap: "always",
    semi: true,
    trailingComma: "es5",
    xmlWhitespaceSensitivity: "preserve",
};

module.exports = config;
