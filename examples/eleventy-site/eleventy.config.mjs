// The example site's Eleventy config: the one line that adds alloy-wasm.
// `plugins/` holds the .wasm plugins (build.mjs copies them there).
import alloyWasm from 'alloy-wasm/eleventy';

export default function (eleventyConfig) {
  eleventyConfig.addPlugin(alloyWasm, {
    dir: 'plugins', // relative to this folder, the site root
    paired: ['callout'], // {% callout %}...{% endcallout %}
  });
}

export const config = {
  dir: { input: 'src', output: '_site' },
};
