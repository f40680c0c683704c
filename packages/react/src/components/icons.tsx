/**
 * The few icons the chat UI draws, inline so the package ships no assets.
 * @module
 */
import type { ReactNode } from "react";

/** Decorative: the buttons around the icons carry the accessible names. */
function Svg({ size = 20, children }: { size?: number; children: ReactNode }): ReactNode {
  return (
    <svg
      aria-hidden="true"
      focusable="false"
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
    >
      {children}
    </svg>
  );
}

/** Paper plane. */
export const SendIcon = (): ReactNode => (
  <Svg>
    <path d="M5 12h14M13 6l6 6-6 6" />
  </Svg>
);
/** Filled square. */
export const StopIcon = (): ReactNode => (
  <Svg>
    <rect x="7" y="7" width="10" height="10" rx="1.5" fill="currentColor" stroke="none" />
  </Svg>
);
/** Speech bubble. */
export const ChatIcon = (): ReactNode => (
  <Svg size={24}>
    <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z" />
  </Svg>
);
/** Cross. */
export const CloseIcon = (): ReactNode => (
  <Svg>
    <path d="M6 6l12 12M18 6L6 18" />
  </Svg>
);
/** Circular arrow. */
export const RetryIcon = (): ReactNode => (
  <Svg size={16}>
    <path d="M3 12a9 9 0 1 0 3-6.7L3 8" />
    <path d="M3 3v5h5" />
  </Svg>
);
/** Pencil on a page. */
export const NewChatIcon = (): ReactNode => (
  <Svg>
    <path d="M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" />
  </Svg>
);
/** Wrench. */
export const ToolIcon = (): ReactNode => (
  <Svg size={14}>
    <path d="M14.7 6.3a4 4 0 0 0-5.4 5.4L3 18v3h3l6.3-6.3a4 4 0 0 0 5.4-5.4l-2.5 2.5-2.4-.6-.6-2.4z" />
  </Svg>
);
/** Check mark. */
export const CheckIcon = (): ReactNode => (
  <Svg size={14}>
    <path d="M5 12l5 5L20 7" />
  </Svg>
);
/** Down arrow. */
export const DownIcon = (): ReactNode => (
  <Svg size={16}>
    <path d="M12 5v14M6 13l6 6 6-6" />
  </Svg>
);
