// The example's content: 300 generated posts, the same on every build.
const TOPICS = ['WebAssembly', 'Astro', 'Rust', 'sandboxing', 'site generators', 'worker threads'];
const WORDS = 'plugins run compiled and pooled in a sandbox with no files no network and no environment'.split(' ');
const VIDEOS = ['dQw4w9WgXcQ', 'M7lc1UVf-VE', 'aqz-KE-bpKQ'];

export const POST_COUNT = 300;

function paragraph(seed, length) {
  const words = [];
  for (let i = 0; i < length; i++) words.push(WORDS[(seed * 7 + i * 3) % WORDS.length]);
  return `${words.join(' ')}.`;
}

export const posts = Array.from({ length: POST_COUNT }, (_, i) => {
  const n = i + 1;
  return {
    slug: `post-${String(n).padStart(3, '0')}`,
    title: `Notes on ${TOPICS[i % TOPICS.length]}, part ${n}`,
    paragraphs: [paragraph(n, 24 + (n % 17)), paragraph(n + 1, 12 + (n % 9)), paragraph(n + 2, 30)],
    images: Array.from({ length: 1 + (n % 3) }, (_, k) => `/images/figure-${(n + k) % 5}.svg`),
    // Every fifth post embeds a video through the youtube shortcode.
    video: n % 5 === 0 ? VIDEOS[n % VIDEOS.length] : null,
  };
});
