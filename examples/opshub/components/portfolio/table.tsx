/**
 * `<PortfolioTable />` from the seed's Complete Example: loads the book on the server (with
 * the user's credentials) and renders the interactive workspace.
 */
import { fetchPortfolio } from "@/lib/backend";
import type { AgentState } from "@/lib/types";
import { PortfolioWorkspace } from "./portfolio-workspace";

export async function PortfolioTable({ savedState = {} }: { savedState?: AgentState }) {
  const { fund, navUsd, holdings } = await fetchPortfolio();
  return <PortfolioWorkspace fund={fund} navUsd={navUsd} holdings={holdings} savedState={savedState} />;
}
