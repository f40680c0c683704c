// Next.js ambient types (CSS modules, images) for type-checking without a prior `next build`,
// which is when next-env.d.ts (gitignored) gets written.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
