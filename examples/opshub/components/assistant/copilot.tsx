"use client";
/**
 * The @backchannel/react components this app places from server components (page.tsx
 * files), behind a client boundary.
 */
export { CopilotKit, CopilotPopup } from "@backchannel/react";
