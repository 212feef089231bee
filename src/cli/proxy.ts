import { ProxyAgent, setGlobalDispatcher } from "undici";

/**
 * Routes feed downloads through the proxy named by HTTPS_PROXY / HTTP_PROXY (either case), as
 * curl and apt users expect; Node's fetch ignores those variables by itself. NO_PROXY is not
 * consulted: every public feed is an external host.
 */
export function useProxyFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env["HTTPS_PROXY"] || env["https_proxy"] || env["HTTP_PROXY"] || env["http_proxy"];
  if (!url) return undefined;
  setGlobalDispatcher(new ProxyAgent(url));
  return url;
}
