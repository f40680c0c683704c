/**
 * Markdown from an agent, rendered to React elements: never `innerHTML`, raw HTML shown as
 * text, links limited to http(s)/mailto, images shown as links unless allowed. Streaming
 * answers re-parse only their last block (see `splitBlocks`).
 * @module
 */
import { compiler, type MarkdownToJSX, RuleType } from "markdown-to-jsx";
import { type ComponentProps, memo, type ReactNode, useId, useMemo, useState } from "react";
import { safeUrl } from "./safe-url.js";
import { splitBlocks } from "./split-blocks.js";

/** Props of `<Markdown>`. */
export interface MarkdownProps {
  /** The Markdown source. */
  children: string;
  /**
   * Load images the agent links to. Off by default: an image URL is a request the page makes on
   * its own, which a prompt-injected answer could use to send data out. @default false
   */
  images?: boolean;
  className?: string;
}

function Link({ href, children, title }: ComponentProps<"a">): ReactNode {
  const safe = safeUrl(href);
  if (!safe) return <span className="bc-md-unsafe-link">{children}</span>;
  const external = /^(https?:)?\/\//i.test(safe);
  return (
    <a
      href={safe}
      title={title}
      {...(external ? { target: "_blank", rel: "noopener noreferrer nofollow" } : {})}
    >
      {children}
    </a>
  );
}

function ImageAsLink({ src, alt }: ComponentProps<"img">): ReactNode {
  const safe = typeof src === "string" ? safeUrl(src) : null;
  const label = alt || "image";
  if (!safe) return <span>[{label}]</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer nofollow" className="bc-md-image-link">
      [{label}]
    </a>
  );
}

function Image({ src, alt, title }: ComponentProps<"img">): ReactNode {
  const safe = typeof src === "string" ? safeUrl(src) : null;
  if (!safe) return <span>[{alt || "image"}]</span>;
  return <img src={safe} alt={alt ?? ""} title={title} loading="lazy" referrerPolicy="no-referrer" />;
}

function Table(props: ComponentProps<"table">): ReactNode {
  return (
    <div className="bc-md-table">
      <table {...props} />
    </div>
  );
}

/** A fenced code block with its language and a copy button. */
export function CodeBlock({ code, lang }: { code: string; lang?: string | undefined }): ReactNode {
  const [copied, setCopied] = useState(false);
  const copy = () => {
    void navigator.clipboard?.writeText(code).then(() => {
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  };
  return (
    <div className="bc-code">
      <div className="bc-code-bar">
        <span className="bc-code-lang">{lang || "text"}</span>
        <button type="button" className="bc-code-copy" onClick={copy} aria-label="Copy code">
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <pre>
        <code className={lang ? `language-${lang}` : undefined}>{code}</code>
      </pre>
    </div>
  );
}

function heading(level: 1 | 2 | 3 | 4 | 5 | 6) {
  // No `id`: ids from model output could collide with (or clobber) the page's own.
  const Tag = `h${level}` as const;
  return ({ children }: ComponentProps<"h1">) => <Tag>{children}</Tag>;
}

const SAFE_ATTRIBUTE_URL = (value: string) => safeUrl(value);

function options(images: boolean, idPrefix: string): MarkdownToJSX.Options {
  return {
    disableParsingRawHTML: true,
    // Footnotes render `id`s and `#` links: prefixed per message, so `[^root]` can never clobber
    // (or be clobbered by) an id of the host page or of another message.
    slugify: (text, slug) => `${idPrefix}-${slug(text)}`,
    forceBlock: true,
    wrapper: null,
    sanitizer: SAFE_ATTRIBUTE_URL,
    overrides: {
      a: { component: Link },
      img: { component: images ? Image : ImageAsLink },
      table: { component: Table },
      h1: { component: heading(1) },
      h2: { component: heading(2) },
      h3: { component: heading(3) },
      h4: { component: heading(4) },
      h5: { component: heading(5) },
      h6: { component: heading(6) },
    },
    renderRule(next, node, _children, state) {
      if (node.type === RuleType.codeBlock) {
        // The parser keeps the newline before the closing fence; it would show as an empty last line.
        const text = (node as MarkdownToJSX.CodeBlockNode).text.replace(/\n$/, "");
        return <CodeBlock key={state.key} code={text} lang={(node as MarkdownToJSX.CodeBlockNode).lang} />;
      }
      return next();
    },
  };
}

/** One block, memoised by its text: a finished block is parsed once, however long the answer grows. */
const Block = memo(function Block({ text, opts }: { text: string; opts: MarkdownToJSX.Options }) {
  return <>{compiler(text, opts)}</>;
});

/**
 * Renders Markdown safely. Cheap to re-render with a growing string: only the last block is
 * parsed again.
 * @example
 * <Markdown>{message.content}</Markdown>
 */
export const Markdown = memo(function Markdown({ children, images = false, className }: MarkdownProps) {
  const blocks = splitBlocks(children);
  const idPrefix = `bc-fn${useId().replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const opts = useMemo(() => options(images, idPrefix), [images, idPrefix]);
  return (
    <div className={className ? `bc-md ${className}` : "bc-md"}>
      {blocks.map((block, i) => (
        <Block
          // Blocks only ever grow at the end, so the index is a stable identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          key={i}
          // A code fence still streaming renders as a code block, not as raw backticks.
          text={block.openFence ? `${block.text}\n${block.openFence}` : block.text}
          opts={opts}
        />
      ))}
    </div>
  );
});
