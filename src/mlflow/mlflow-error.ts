import { FormedError, type FormedErrorOptions } from "../errors.js";

/**
 * A failed call to an MLflow tracking server. The message always names the server, so a user
 * with several servers (or a stale MLFLOW_TRACKING_URI) sees at once which one is meant.
 */
export class MlflowError extends FormedError {
  readonly trackingUri: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** MLflow's `error_code` (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, ...), when it sent one. */
  readonly errorCode: string | undefined;

  constructor(
    message: string,
    details: { trackingUri: string; status?: number; errorCode?: string } & FormedErrorOptions,
  ) {
    super("E_MLFLOW", message, details);
    this.name = "MlflowError";
    this.trackingUri = details.trackingUri;
    this.status = details.status;
    this.errorCode = details.errorCode;
  }

  /** Whether the server said the thing asked for does not exist. */
  get notFound(): boolean {
    return this.status === 404 || this.errorCode === "RESOURCE_DOES_NOT_EXIST";
  }

  /** Whether the server was never reached (down, wrong address), as opposed to answering with an error. */
  get unreachable(): boolean {
    return this.status === undefined;
  }
}
