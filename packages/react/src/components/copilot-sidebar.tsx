/**
 * `<CopilotSidebar>`: the chat docked to the right edge, pushing the page aside or over it.
 * @module
 */
import type { ComponentType, ReactNode } from "react";
import { ChatPanel, type CopilotChatProps } from "./copilot-chat.js";
import { resolveLabels } from "./labels.js";
import { Launcher, type LauncherProps } from "./launcher.js";
import { useWindowState, type WindowStateOptions } from "./use-window-state.js";

/** Props of `CopilotSidebar`. */
export interface CopilotSidebarProps extends CopilotChatProps, WindowStateOptions {
  /**
   * `"push"` takes room from the page: from `children` when given, or from its siblings in a flex
   * row (as in `<div className="flex h-screen"><main/><CopilotSidebar/></div>`). `"overlay"` slides
   * over the page. On phone-width screens it always covers the screen. @default "push"
   */
  mode?: "push" | "overlay";
  /** The page, when the sidebar should wrap it (push mode then shrinks it). */
  children?: ReactNode;
  /** Replaces the floating button shown while closed. */
  Button?: ComponentType<LauncherProps>;
}

/**
 * The chat as a panel docked to the right. Esc closes it.
 * @example
 * <div className="flex h-screen">
 *   <main className="flex-1">…</main>
 *   <CopilotSidebar labels={{ title: "Portfolio Assistant" }} defaultOpen={false} />
 * </div>
 */
export function CopilotSidebar(props: CopilotSidebarProps): ReactNode {
  const {
    defaultOpen,
    open: _open,
    onSetOpen,
    hitEscapeToClose,
    Button,
    className,
    mode = "push",
    children,
    ...chat
  } = props;
  const w = useWindowState(props);
  const labels = resolveLabels(props.labels);
  const ButtonView = Button ?? Launcher;
  const sidebar = (
    <>
      <aside
        id={w.windowId}
        className={className ? `bc-root bc-sidebar ${className}` : "bc-root bc-sidebar"}
        data-open={w.open || undefined}
        data-mode={mode}
        aria-labelledby={w.titleId}
        aria-hidden={!w.open || undefined}
        inert={!w.open || undefined}
        onKeyDown={w.onKeyDown}
      >
        <div className="bc-sidebar-inner">
          <ChatPanel
            {...chat}
            header
            titleId={w.titleId}
            onClose={() => w.setOpen(false)}
            inputRef={w.inputRef}
          />
        </div>
      </aside>
      {!w.open && (
        <div className="bc-root bc-sidebar-launcher">
          <ButtonView
            open={false}
            onToggle={() => w.setOpen(true)}
            labels={labels}
            controls={w.windowId}
            buttonRef={w.launcherRef}
          />
        </div>
      )}
    </>
  );
  if (children === undefined) return sidebar;
  return (
    <div className="bc-sidebar-layout" data-open={w.open || undefined} data-mode={mode}>
      <div className="bc-sidebar-page">{children}</div>
      {sidebar}
    </div>
  );
}
