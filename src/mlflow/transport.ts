import { setTimeout as sleep } from "node:timers/promises";
import { MlflowError } from "./mlflow-error.js";

export interface RetryOptions {
  /** Attempts after the first one, for transient failures only. Default 5. */
  retries?: number;
  /** The first wait; each next one doubles (with jitter), up to `maxBackoffMs`. Default 250. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** A request that takes longer fails (and is retried). Default 120 s: artifacts may be large. */
  timeoutMs?: number;
}

export interface TransportOptions extends RetryOptions {
  /** `http(s)://host:port[/prefix]` of the tracking server. */
  trackingUri: string;
  /** Extra headers for every request; default: from MLFLOW_TRACKING_TOKEN or _USERNAME/_PASSWORD. */
  headers?: Record<string, string>;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Below the tracking URI, starting with `/api/`. */
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  /** A raw body; a function so that each retry gets a fresh one (a file read again). */
  body?: () => Promise<Blob>;
  /** What the caller was doing, for messages: "creating a run", "uploading out.log". */
  what: string;
}

// Errors of the connection itself: nothing (or nothing complete) reached the server, so trying again is safe.
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * HTTP to one tracking server with Node's own fetch: retries with exponential backoff on
 * transient failures (connection refused or reset, timeouts, 429, 5xx), then one MlflowError
 * that names the server and what was being done.
 */
export class MlflowTransport {
  readonly trackingUri: string;
  readonly #base: URL;
  readonly #headers: Record<string, string>;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  /** Set when the server could not be reached even after retrying; cleared by any answer. */
  #down = false;

  constructor(options: TransportOptions) {
    this.trackingUri = options.trackingUri.replace(/\/+$/, "");
    this.#base = new URL(`${this.trackingUri}/`);
    this.#headers = options.headers ?? authHeaders(process.env);
    this.#retries = options.retries ?? 5;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 8000;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** The parsed JSON answer. */
  async json<T>(request: HttpRequest): Promise<T> {
    const response = await this.send(request);
    const text = await response.text();
    try {
      return (text === "" ? {} : JSON.parse(text)) as T;
    } catch (error) {
      throw new MlflowError(
        `the MLflow tracking server at ${this.trackingUri} sent something that is not JSON while ${request.what}`,
        { trackingUri: this.trackingUri, status: response.status, cause: error },
      );
    }
  }

  /** The response, after a 2xx status; its body is the caller's to read. */
  async send(request: HttpRequest): Promise<Response> {
    const url = new URL(request.path.replace(/^\/+/, ""), this.#base);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    // Once the server is known to be down, later calls fail at once rather than each waiting
    // through its retries: a dead server ends a run with one error, not many slow ones.
    const retries = this.#down ? 0 : this.#retries;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      let response: Response;
      try {
        const headers: Record<string, string> = { ...this.#headers };
        let body: string | Blob | undefined;
        if (request.json !== undefined) {
          headers["content-type"] = "application/json";
          body = JSON.stringify(request.json);
        } else if (request.body !== undefined) {
          body = await request.body();
        }
        response = await fetch(url, {
          method: request.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (error) {
        if (!last && isTransientNetworkError(error)) {
          await sleep(this.#delay(attempt));
          continue;
        }
        if (isTransientNetworkError(error)) this.#down = true;
        throw new MlflowError(
          `cannot reach the MLflow tracking server at ${this.trackingUri} while ${request.what}: ${describeNetworkError(error)}${attempt > 0 ? ` (tried ${attempt + 1} times)` : ""}`,
          {
            trackingUri: this.trackingUri,
            cause: error,
            hint: "start the server (with --serve-artifacts), or set tracking_uri in formed.yml (or MLFLOW_TRACKING_URI) to one that runs",
          },
        );
      }
      this.#down = false;
      if (response.ok) return response;
      if (!last && TRANSIENT_STATUS.has(response.status)) {
        await response.body?.cancel();
        await sleep(this.#delay(attempt, response.headers.get("retry-after")));
        continue;
      }
      throw await this.#httpError(response, request, attempt);
    }
  }

  #delay(attempt: number, retryAfter?: string | null): number {
    const asked = retryAfter == null ? Number.NaN : Number(retryAfter) * 1000;
    if (Number.isFinite(asked) && asked >= 0) return Math.min(asked, this.#maxBackoffMs);
    const exponential = Math.min(this.#backoffMs * 2 ** attempt, this.#maxBackoffMs);
    // Jitter, so that several clients a restarted server refused do not all come back at once.
    return exponential / 2 + (Math.random() * exponential) / 2;
  }

  async #httpError(response: Response, request: HttpRequest, attempt: number): Promise<MlflowError> {
    const text = await response.text().catch(() => "");
    let errorCode: string | undefined;
    let message = text.trim().slice(0, 500);
    try {
      const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof parsed.error_code === "string") errorCode = parsed.error_code;
      if (typeof parsed.message === "string") message = parsed.message;
    } catch {
      // An HTML error page, or nothing: the text (cut) is all there is.
    }
    const retried = attempt > 0 ? ` (tried ${attempt + 1} times)` : "";
    const hint =
      response.status === 404 && request.path.includes("mlflow-artifacts")
        ? "artifacts go through the server's artifact proxy: start `mlflow server` with --serve-artifacts"
        : response.status === 401 || response.status === 403
          ? "set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD"
          : undefined;
    return new MlflowError(
      `the MLflow tracking server at ${this.trackingUri} answered ${response.status}${errorCode === undefined ? "" : ` ${errorCode}`} while ${request.what}${message === "" ? "" : `: ${message}`}${retried}`,
      {
        trackingUri: this.trackingUri,
        status: response.status,
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(hint === undefined ? {} : { hint }),
      },
    );
  }
}

function errorCode(error: unknown): string | undefined {
  // undici wraps the socket error: TypeError("fetch failed", { cause: Error{ code } }), sometimes twice.
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTransientNetworkError(error: unknown): boolean {
  const name = (error as { name?: unknown })?.name;
  if (name === "TimeoutError") return true;
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if ((error as { name?: unknown })?.name === "TimeoutError") return "timed out";
  const cause = (error as { cause?: unknown })?.cause;
  const text =
    cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return code === undefined ? text : `${text} (${code})`;
}

/** MLflow's own environment variables for authenticated servers. */
function authHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = env.MLFLOW_TRACKING_TOKEN;
  if (token !== undefined && token !== "") return { authorization: `Bearer ${token}` };
  const user = env.MLFLOW_TRACKING_USERNAME;
  if (user !== undefined && user !== "") {
    const credentials = Buffer.from(`${user}:${env.MLFLOW_TRACKING_PASSWORD ?? ""}`).toString("base64");
    return { authorization: `Basic ${credentials}` };
  }
  return {};
}
