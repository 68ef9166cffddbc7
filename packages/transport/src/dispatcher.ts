/**
 * The one undici dispatcher of a Transport, built from its options when none is injected: keep-alive, no pipelining
 * (registries and object stores are plain HTTP/1.1 servers and pipelining turns one slow blob into head-of-line
 * blocking), a connection limit per origin, TLS verification on unless asked otherwise, and proxies like curl does.
 */
import { rootCertificates } from "node:tls";
import { Agent, type Dispatcher, EnvHttpProxyAgent, ProxyAgent } from "undici";

/** The options the dispatcher is built from. */
export interface DispatcherOptions {
  /**
   * Extra CA certificates (PEM), trusted in addition to Node's bundle (like docker's certs.d): a private registry's
   * CA must not stop its blobs' redirects to a public object store from verifying.
   */
  ca?: string | Buffer;
  tlsSkipVerify?: boolean;
  proxy?: string;
  env?: Record<string, string | undefined>;
  connectTimeout: number;
  readTimeout: number;
  connections: number;
}

/** Reads a proxy variable the way curl and undici do: lower case first, then upper case. */
function envVar(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value?.trim() ? value.trim() : undefined;
}

/** Builds the dispatcher: an explicit proxy, else HTTP(S)_PROXY / NO_PROXY from `env`, else a plain Agent. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const tls = {
    ...(options.ca !== undefined ? { ca: [...rootCertificates, options.ca] } : {}),
    // Verification is the default; only an explicit --tls-skip-verify turns it off.
    rejectUnauthorized: options.tlsSkipVerify !== true,
    timeout: options.connectTimeout,
  };
  const agent: Agent.Options = {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: options.readTimeout,
    bodyTimeout: options.readTimeout,
    connect: tls,
  };
  if (options.proxy) {
    // requestTls is the TLS to the registry inside the CONNECT tunnel; proxyTls the TLS to an https proxy.
    return new ProxyAgent({
      ...agent,
      uri: options.proxy,
      requestTls: tls,
      proxyTls: { timeout: options.connectTimeout },
    });
  }
  const env = options.env ?? process.env;
  const httpProxy = envVar(env, "http_proxy");
  const httpsProxy = envVar(env, "https_proxy");
  if (httpProxy || httpsProxy) {
    // Pass every value explicitly ("" for unset) so undici never falls back to process.env behind our back.
    return new EnvHttpProxyAgent({
      ...agent,
      requestTls: tls,
      proxyTls: { timeout: options.connectTimeout },
      httpProxy: httpProxy ?? "",
      httpsProxy: httpsProxy ?? "",
      noProxy: envVar(env, "no_proxy") ?? "",
    });
  }
  return new Agent(agent);
}
